/** What the page tells a connection: shown or hidden, online or offline, or back from the bfcache. */
export type PageSignal = "visible" | "hidden" | "online" | "offline" | "resumed";

/**
 * The page's lifecycle as a connection needs it. `createBrowserPageLifecycle` reads the real
 * page; `@wirekit/testing` has one you drive by hand; outside a browser it is inert.
 */
export interface PageLifecycle {
  /** `document.visibilityState === "visible"`; always true outside a browser. */
  isVisible(): boolean;
  /** `navigator.onLine`; always true outside a browser. */
  isOnline(): boolean;
  /** Listens for signals; the first subscriber attaches the page listeners, the last removes them. */
  subscribe(listener: (signal: PageSignal) => void): () => void;
}

interface EventTargetLike {
  addEventListener?(type: string, listener: (event: { persisted?: boolean }) => void): void;
  removeEventListener?(type: string, listener: (event: { persisted?: boolean }) => void): void;
}

interface BrowserGlobals extends EventTargetLike {
  document?: EventTargetLike & { visibilityState?: string };
  navigator?: { onLine?: boolean };
}

/**
 * The page lifecycle of the current browser window: `visibilitychange`, `online`, `offline`, and
 * `pageshow` from the back/forward cache. (`focus` is no signal: it fires for devtools and
 * dialogs, and TanStack Query dropped it for that.) Listeners are attached on the first
 * subscription and removed on the last; without a `document` (SSR, workers, Node) it is inert.
 */
export function createBrowserPageLifecycle(
  globals: BrowserGlobals = globalThis as BrowserGlobals,
): PageLifecycle {
  const listeners = new Set<(signal: PageSignal) => void>();
  const emit = (signal: PageSignal) => {
    for (const listener of [...listeners]) listener(signal);
  };
  const isVisible = () => {
    const state = globals.document?.visibilityState;
    return state === undefined || state === "visible";
  };
  const pageListeners: Record<string, (event: { persisted?: boolean }) => void> = {
    visibilitychange: () => emit(isVisible() ? "visible" : "hidden"),
    online: () => emit("online"),
    offline: () => emit("offline"),
    pageshow: (event) => {
      if (event.persisted === true) emit("resumed");
    },
  };
  // The globals are read when listeners are attached, never before: a server render touches none.
  const toggle = (method: "addEventListener" | "removeEventListener") => {
    for (const [type, listener] of Object.entries(pageListeners)) {
      (type === "visibilitychange" ? globals.document : globals)?.[method]?.(type, listener);
    }
  };

  return {
    isVisible,
    isOnline: () => globals.navigator?.onLine !== false,
    subscribe(listener) {
      if (globals.document === undefined) return () => {};
      if (listeners.size === 0) toggle("addEventListener");
      listeners.add(listener);
      return () => {
        if (listeners.delete(listener) && listeners.size === 0) toggle("removeEventListener");
      };
    },
  };
}
