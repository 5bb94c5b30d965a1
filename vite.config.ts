/// <reference types="vitest/config" />

import { storybookTest } from "@storybook/addon-vitest/vitest-plugin";
import { playwright } from "@vitest/browser-playwright";
import { defaultClientConditions, defaultServerConditions, defineConfig } from "vite";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./scripts/chromium.js";
import { PATIENCE } from "./test/patience.js";

const provider = playwright({
  launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
});
// A fresh object per project: Vitest names each project's browser instance in place.
const inChromium = () => ({
  enabled: true,
  headless: true,
  provider,
  instances: [{ browser: "chromium" as const }],
});

// One config for the workspace. The `source` export condition lets tests, the demo and Storybook
// run on the TypeScript sources of our packages without a build, in the browser and in Node alike.
// Vite replaces its default conditions when they are set, so they are spread back in.
export default defineConfig({
  // Known before the browser projects start: a dependency Vite discovers mid-run makes it
  // re-optimize and reload the page under a running test file.
  optimizeDeps: { include: ["@testing-library/dom", "@testing-library/react"] },
  resolve: {
    conditions: ["source", ...defaultClientConditions],
  },
  ssr: {
    resolve: {
      conditions: ["source", ...defaultServerConditions],
    },
  },
  test: {
    // Ceilings, not measures of speed (test/patience.ts): a test that starts servers,
    // processes or a browser on a busy 2-core machine must never hit one.
    // Most test files wait on sockets, child processes and Chromium, not on the CPU: Vitest's
    // default (a worker per core but one: a single worker on 2 cores) ran them one at a time
    // with the CPU half idle. More than 3 starved the chaos test's real server processes on a
    // busy 2-core machine.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    expect: { poll: { timeout: PATIENCE } },
    setupFiles: ["test/setup/waits.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "core",
          environment: "node",
          include: ["packages/core/test/**/*.test.ts"],
          exclude: ["**/*.browser.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "server",
          environment: "node",
          include: ["packages/server/test/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "testing",
          environment: "node",
          include: ["packages/testing/test/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "react (jsdom)",
          setupFiles: ["test/setup/dom.ts"],
          environment: "jsdom",
          include: ["packages/react/test/**/*.test.tsx"],
          exclude: ["**/*.browser.test.tsx", "**/*.ssr.test.tsx"],
        },
      },
      {
        extends: true,
        test: {
          name: "templates",
          setupFiles: ["test/setup/dom.ts"],
          environment: "jsdom",
          include: ["templates/test/**/*.test.ts?(x)"],
        },
      },
      {
        extends: true,
        // Every story renders, and its play function runs as an interaction test, in Chromium.
        plugins: [storybookTest({ configDir: ".storybook" })],
        test: {
          name: "storybook",
          browser: inChromium(),
        },
      },
      {
        extends: true,
        test: {
          // The docs site's pages against the hooks, templates and stories they describe.
          name: "storybook (docs)",
          environment: "node",
          include: [".storybook/test/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "react (ssr)",
          environment: "node",
          include: ["packages/react/test/**/*.ssr.test.tsx"],
        },
      },
      {
        extends: true,
        test: {
          // Core's browser tests and every React test (jsdom is not a browser), in one project:
          // one Chromium and one loopback server for both.
          name: "chromium",
          setupFiles: ["test/setup/dom.ts"],
          include: ["packages/core/test/**/*.browser.test.ts", "packages/react/test/**/*.test.tsx"],
          exclude: ["**/*.ssr.test.tsx"],
          globalSetup: ["packages/core/test/support/browserServer.ts"],
          browser: inChromium(),
        },
      },
      {
        extends: true,
        test: {
          name: "demo",
          environment: "node",
          include: ["apps/demo/test/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          // The demo as the README starts it (`npm run demo`), driven by playwright-core.
          name: "demo (e2e)",
          environment: "node",
          include: ["apps/demo/e2e/**/*.e2e.test.ts"],
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
