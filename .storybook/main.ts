import type { StorybookConfig } from "@storybook/react-vite";
import { mergeConfig, type UserConfig } from "vite";

/** What `storybook build` needs beyond Vite's defaults, so its output is the build, not noise. */
const quietBuild: UserConfig = {
  build: {
    // The big chunks are Storybook's own preview runtime and docs blocks, not ours (what a hook
    // costs an app is measured by packages/core/test/hookBundles.test.ts).
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      // Timings of a docs build on a busy machine say nothing about the code.
      checks: { bundlerTimings: false },
      onLog(level, log, handler) {
        // "use client" marks React Server Components boundaries (ours, TanStack Query's); a
        // browser-only bundle has nothing to preserve it for, so a warning for each is noise.
        if (log.code === "MODULE_LEVEL_DIRECTIVE" && log.message.includes('"use client"')) return;
        handler(level, log);
      },
    },
  },
};

// The playground: stories for every hook, UI piece and template, backed by @wirekit/testing's
// in-memory server (no backend), with a docs page per hook.
const config: StorybookConfig = {
  framework: "@storybook/react-vite",
  stories: ["./docs/*.mdx", "./stories/**/*.stories.@(ts|tsx)"],
  addons: ["@storybook/addon-docs", "@storybook/addon-vitest"],
  core: { disableTelemetry: true },
  viteFinal: (vite) => mergeConfig(vite, quietBuild),
};

export default config;
