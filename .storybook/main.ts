import type { StorybookConfig } from "@storybook/react-vite";

// The playground. It grows stories for every hook and UI piece, backed by @wirekit/testing's
// in-memory server, as those packages land; for now it holds the welcome page.
const config: StorybookConfig = {
  framework: "@storybook/react-vite",
  stories: ["./*.stories.@(ts|tsx)", "../packages/*/src/**/*.stories.@(ts|tsx)"],
  core: { disableTelemetry: true },
};

export default config;
