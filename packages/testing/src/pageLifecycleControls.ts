import type { PageLifecycle, PageSignal } from "@wirekit/core";
import type { VirtualClock } from "./virtualClock.js";

/** A page lifecycle a test or story drives by hand. */
export interface PageLifecycleControls extends PageLifecycle {
  /** The tab goes to the background (`visibilitychange` to hidden). */
  hide(): void;
  /** The tab comes back (`visibilitychange` to visible). */
  show(): void;
  /** The network goes away (`offline`). */
  goOffline(): void;
  /** The network comes back (`online`). */
  goOnline(): void;
  /** The page comes back from the back/forward cache (`pageshow` with `persisted`), visible. */
  restoreFromCache(): void;
  /**
   * The machine sleeps for `milliseconds` (the lid is closed): the clock given at creation jumps
   * and overdue timers fire late. Throws when the controls were created without a clock.
   */
  sleep(milliseconds: number): void;
  /** How many listeners are attached: 0 once every connection let go. */
  readonly listenerCount: number;
}

export function createPageLifecycleControls(
  initial: { visible?: boolean; online?: boolean; clock?: VirtualClock } = {},
): PageLifecycleControls {
  let visible = initial.visible ?? true;
  let online = initial.online ?? true;
  const listeners = new Set<(signal: PageSignal) => void>();
  const emit = (signal: PageSignal) => {
    for (const listener of [...listeners]) listener(signal);
  };

  return {
    isVisible: () => visible,
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    hide() {
      if (!visible) return;
      visible = false;
      emit("hidden");
    },
    show() {
      if (visible) return;
      visible = true;
      emit("visible");
    },
    goOffline() {
      if (!online) return;
      online = false;
      emit("offline");
    },
    goOnline() {
      if (online) return;
      online = true;
      emit("online");
    },
    sleep(milliseconds) {
      if (initial.clock === undefined) {
        throw new TypeError(
          "PageLifecycleControls.sleep: create the controls with { clock: createVirtualClock() } to sleep.",
        );
      }
      initial.clock.sleep(milliseconds);
    },
    restoreFromCache() {
      if (!visible) {
        visible = true;
        emit("visible");
      }
      emit("resumed");
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}
