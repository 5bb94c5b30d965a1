/** What `watchGlobals` reports. */
export interface GlobalsWatch {
  /** The watched globals that were read or written, in order of first touch. */
  readonly touched: ReadonlySet<string>;
  /** Puts the globals back as they were. */
  restore(): void;
}

/**
 * Records every read and write of the named globals until `restore()`: for tests that code
 * touches no browser global while it is imported, or while it renders on a server. The globals
 * keep working meanwhile.
 *
 * @example
 * const watch = watchGlobals(["window", "document", "WebSocket"]);
 * try {
 *   renderToString(<App />);
 * } finally {
 *   watch.restore();
 * }
 * expect([...watch.touched]).toEqual([]);
 */
export function watchGlobals(names: readonly string[]): GlobalsWatch {
  const touched = new Set<string>();
  const restores: Array<() => void> = [];
  const scope = globalThis as Record<string, unknown>;
  for (const name of names) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.add(name);
        return descriptor?.get ? descriptor.get.call(globalThis) : descriptor?.value;
      },
      set(value) {
        touched.add(name);
        Object.defineProperty(globalThis, name, { configurable: true, writable: true, value });
      },
    });
    restores.push(() => {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete scope[name];
    });
  }
  return {
    touched,
    restore: () => {
      for (const restore of restores.splice(0)) restore();
    },
  };
}
