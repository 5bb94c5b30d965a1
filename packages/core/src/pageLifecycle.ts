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

interface BrowserGlobals {
  document?: {
    visibilityState?: string;
    addEventListener(type: string, listener: () => void): void;
    removeEventListener(type: string, listener: () => void): void;
  };
  navigator?: { onLine?: boolean };
  addEventListener?(type: string, listener: (event: { persisted?: boolean }) => void): void;
  removeEventListener?(type: string, listener: (event: { persisted?: boolean }) => void): void;
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
  const onVisibilityChange = () => emit(isVisible() ? "visible" : "hidden");
  const onOnline = () => emit("online");
  const onOffline = () => emit("offline");
  const onPageShow = (event: { persisted?: boolean }) => {
    if (event.persisted === true) emit("resumed");
  };

  function isVisible(): boolean {
    const state = globals.document?.visibilityState;
    return state === undefined || state === "visible";
  }

  function attach(): void {
    globals.document?.addEventListener("visibilitychange", onVisibilityChange);
    globals.addEventListener?.("online", onOnline);
    globals.addEventListener?.("offline", onOffline);
    globals.addEventListener?.("pageshow", onPageShow);
  }

  function detach(): void {
    globals.document?.removeEventListener("visibilitychange", onVisibilityChange);
    globals.removeEventListener?.("online", onOnline);
    globals.removeEventListener?.("offline", onOffline);
    globals.removeEventListener?.("pageshow", onPageShow);
  }

  return {
    isVisible,
    isOnline: () => globals.navigator?.onLine !== false,
    subscribe(listener) {
      if (globals.document === undefined) return () => {};
      if (listeners.size === 0) attach();
      listeners.add(listener);
      return () => {
        if (listeners.delete(listener) && listeners.size === 0) detach();
      };
    },
  };
}
