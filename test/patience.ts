// Waits in tests are for events, not deadlines: a ceiling only ends a test that would otherwise
// hang, so it is generous enough that a busy machine never reaches it. Every kind of wait gets
// this one: `vi.waitFor`/`vi.waitUntil` (test/setup/waits.ts), Testing Library's `waitFor` and
// `findBy*` (test/setup/dom.ts), `expect.poll` (vite.config.ts) and Storybook's play functions
// (.storybook/preview.ts). The libraries' own defaults (1 s) are deadlines a loaded 2-core
// machine misses.

/** How long any single wait may take before its test fails: far beyond a slow machine. */
export const PATIENCE = 30_000;
