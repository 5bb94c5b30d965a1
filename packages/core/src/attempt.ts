import type { Clock } from "./clock.js";
import type { ConnectionSettings } from "./connectionOptions.js";
import { ConnectionError } from "./errors.js";
import { watchForSleep } from "./liveness.js";
import type { Frame, Outbox } from "./outbox.js";
import type { PageLifecycle } from "./pageLifecycle.js";
import { startTimer } from "./timers.js";
import type { TransportCallbacks } from "./transport.js";

/** What an attempt works with, and what it tells the connection that made it. */
export interface AttemptHost extends Pick<TransportCallbacks, "onMessage" | "onBadInput"> {
  readonly settings: ConnectionSettings;
  readonly clock: Clock;
  readonly lifecycle: PageLifecycle;
  readonly outbox: Outbox | undefined;
  // The callbacks are called unbound, as timers and transports call them.
  /**
   * The session opened, and what it must send first went out; `usable` is false when a write
   * found the socket closing already, so that it never counts as open.
   */
  readonly onOpen: (usable: boolean) => void;
  /** It has stayed open for `minUptime`. */
  readonly onStable: () => void;
  /** A write found the socket closing: the session is no longer open, though not gone yet. */
  readonly onClosing: () => void;
  /** The attempt ended by itself (the transport closed, or a deadline passed), and why. */
  readonly onLost: (error: ConnectionError) => void;
  /** The session is stale but nobody is to blame (a sleep): the attempt ended; reconnect at once. */
  readonly onStale: (error: ConnectionError) => void;
}

export interface Attempt {
  /** Ends it: its timers and checks stop, the outbox lets go, the session closes. */
  end(): void;
  /** A write found the socket closing (the outbox's `onClosing`). */
  closing(): void;
  /** The page came back: if the session is open, make sure it survived (a sleep, a network change). */
  check(): void;
}

/**
 * One attempt at a physical connection, from `transport.open` until it ends: the session, its
 * deadlines (to open, to finish closing), its liveness (the transport's probe, made for it, and
 * the wake check) and the outbox's hold on it. Nothing it hears counts once it ended: a socket
 * given up on may still fire events. Throws what `transport.open` throws.
 */
export function startAttempt(host: AttemptHost): Attempt {
  const { settings, clock, outbox } = host;
  let live = true;
  // Set while the open session is watched for a sleep; the closing deadline, from the moment a
  // write finds the socket closing.
  let stopWatching: (() => void) | undefined;
  let cancelUptime: (() => void) | undefined;
  let cancelClosing: (() => void) | undefined;
  let cancelConnect: (() => void) | undefined;
  const whileLive =
    <A extends unknown[]>(act: (...args: A) => void) =>
    (...args: A) => {
      if (live) act(...args);
    };
  const stopLiveness = () => {
    stopWatching?.();
    stopWatching = undefined;
    probe?.stop();
  };
  // Ends it; `closed`: the transport closed it already.
  const end = (closed?: boolean) => {
    if (!live) return;
    live = false;
    cancelConnect?.();
    cancelUptime?.();
    cancelClosing?.();
    stopLiveness();
    outbox?.detach();
    if (!closed) session.close();
  };
  const lost = (report: (error: ConnectionError) => void, closed?: boolean) =>
    whileLive((error: ConnectionError) => {
      end(closed);
      report(error);
    });
  const giveUp = lost(host.onLost);
  const probe = settings.transport.probe?.({
    clock,
    watchdog: settings.watchdog,
    // Pings skip the pace: one stuck behind a long queue would miss its own deadline.
    send: outbox && ((frame) => outbox.sendNow(frame)),
    dead: giveUp,
    // Not the server's fault, and resuming is lossless: reconnect now, not after a backoff.
    stale: lost(host.onStale),
  });
  const write = (data: Frame) => {
    if (!live) return false;
    try {
      session.send(data);
      return true;
    } catch {
      return false;
    }
  };
  const session = settings.transport.open({
    onOpen: whileLive(() => {
      cancelConnect?.();
      // What the session must send first goes out before anyone hears it is open.
      outbox?.open(write);
      // What those first frames set off (an onSent, a session handler) may have ended it.
      if (!live) return;
      // Unless the socket turned out to be closing (its close event decides what happens next),
      // all of it starts before anyone hears it is open: a listener may end the attempt then.
      const usable = !cancelClosing;
      if (usable) {
        cancelUptime = startTimer(clock, settings.minUptime, host.onStable);
        // Without a probe (a socket that does not ping) a wake has nothing to check.
        if (probe !== undefined) {
          probe.start();
          stopWatching = watchForSleep(
            clock,
            () => host.lifecycle.isVisible(),
            () => probe.check(true),
          );
        }
      }
      host.onOpen(usable);
    }),
    onMessage: whileLive(host.onMessage),
    onActivity: whileLive(() => probe?.activity()),
    onClose: lost(host.onLost, true),
    onBadInput: whileLive(host.onBadInput),
  });
  cancelConnect = startTimer(clock, settings.connectTimeout, () =>
    giveUp(new ConnectionError("connect-timeout", "No answer in time.")),
  );
  return {
    end,
    closing() {
      if (!live || cancelClosing) return;
      // A close event that never comes (a dead network) must not hold the connection forever.
      // Armed first, so that a listener that ends the attempt on hearing it cancels it too.
      cancelClosing = startTimer(clock, settings.connectTimeout, () =>
        giveUp(new ConnectionError("network", "The socket never finished closing.")),
      );
      outbox?.detach();
      stopLiveness();
      host.onClosing();
    },
    check() {
      if (stopWatching) probe?.check(false);
    },
  };
}
