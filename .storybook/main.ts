import type { StorybookConfig } from "@storybook/react-vite";

// The playground: stories for every hook, UI piece and template, backed by @wirekit/testing's
// in-memory server (no backend), with docs pages per hook.
const config: StorybookConfig = {
  framework: "@storybook/react-vite",
  stories: ["./*.stories.@(ts|tsx)", "./docs/*.mdx", "./stories/**/*.stories.@(ts|tsx)"],
  addons: ["@storybook/addon-docs", "@storybook/addon-vitest"],
  core: { disableTelemetry: true },
};

export default config;
