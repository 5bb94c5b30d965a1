import { callEach } from "./rethrowAsync.js";

/**
 * An immutable snapshot with listeners, the contract `useSyncExternalStore` needs: `get`
 * returns the same object until something in it changed, and only a change notifies.
 */
export class SnapshotStore<T extends object> {
  #snapshot: T;
  readonly #listeners = new Set<() => void>();

  constructor(initial: T) {
    this.#snapshot = initial;
  }

  get = (): T => this.#snapshot;

  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  /** Merges `change` into a new frozen snapshot, if any member differs; tells the listeners. */
  update(change: Partial<T>): void {
    const current = this.#snapshot;
    const keys = Object.keys(change) as Array<keyof T>;
    if (keys.every((key) => Object.is(current[key], change[key]))) return;
    this.#snapshot = Object.freeze({ ...current, ...change });
    callEach(this.#listeners);
  }
}
