/**
 * Time, as the connection layer sees it. Injected so tests run on a virtual clock
 * (`@wirekit/testing`'s `createVirtualClock`) and nothing here ever sleeps for real.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (`Date.now()`): a jump forward means the machine slept. */
  now(): number;
  setTimeout(callback: () => void, delay: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock. Each member looks the global up when called, never at import, so fake timers
 * installed later still intercept it and importing this module touches nothing.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delay) => setTimeout(callback, delay),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
