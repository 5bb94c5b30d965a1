/// <reference types="vite/client" />

/**
 * A story's script, for `npm test` only (Vitest runs it in Chromium through
 * @storybook/addon-vitest, where Vite's mode is "test"). Storybook would otherwise play it the
 * moment a person opens the story, clicking and typing while they try to read; in the playground
 * they drive the same steps with the controls, and the docs pages say what each one shows.
 */
export function playInTests<Context>(
  play: (context: Context) => Promise<void>,
): (context: Context) => Promise<void> {
  return async (context) => {
    if (import.meta.env.MODE === "test") await play(context);
  };
}
