import type { Preview } from "@storybook/react-vite";
import { configure } from "storybook/test";
import { PATIENCE } from "../test/patience.js";

// Play functions wait for what the playground does on real timers; their waits get the ceiling
// every other test has (test/patience.ts), not Testing Library's 1 s.
configure({ asyncUtilTimeout: PATIENCE });

const preview: Preview = {
  parameters: {
    // The Welcome page first, then the hooks' docs, then what they are made of.
    options: { storySort: { order: ["Welcome", "Docs", "Hooks", "UI", "Templates"] } },
  },
};

export default preview;
