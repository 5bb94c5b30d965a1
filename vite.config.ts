/// <reference types="vitest/config" />
import { defaultClientConditions, defaultServerConditions, defineConfig } from "vite";

// One config for the workspace. The `source` export condition lets tests, the demo and Storybook
// run on the TypeScript sources of our packages without a build, in the browser and in Node alike.
// Vite replaces its default conditions when they are set, so they are spread back in.
export default defineConfig({
  resolve: {
    conditions: ["source", ...defaultClientConditions],
  },
  ssr: {
    resolve: {
      conditions: ["source", ...defaultServerConditions],
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "core",
          environment: "node",
          include: ["packages/core/test/**/*.test.ts"],
        },
      },
    ],
  },
});
