import { type Attempt, startAttempt } from "./attempt.js";
import { type Clock, systemClock } from "./clock.js";
import {
  type ConnectionOptions,
  type ConnectionSettings,
  type ConnectionSnapshot,
  type ConnectionStatus,
  IDLE_CONNECTION_SNAPSHOT,
  isAtRest,
} from "./connectionOptions.js";
import { type AuthHook, askForCredentials } from "./credentials.js";
import { ConnectionError } from "./errors.js";
import type { Frame, Outbox, Pace, SendHandlers } from "./outbox.js";
import {
  createBrowserPageLifecycle,
  type PageLifecycle,
  type PageSignal,
} from "./pageLifecycle.js";
import { callEach } from "./rethrowAsync.js";
import { exponentialBackoff, retryAlways } from "./retry.js";
import { SnapshotStore } from "./snapshotStore.js";
import { startTimer, timerDelay } from "./timers.js";
import type { TransportMessage } from "./transport.js";
import { assertVisibility, type VisibilityPolicy } from "./visibility.js";

// Bundlers replace `process.env.NODE_ENV`; the `typeof` keeps unbundled browser modules working
// (`=== "object"`: esbuild drops that whole from a production bundle; `!== "undefined"` it keeps).
declare const process: { env: { NODE_ENV?: string } };

type MessageListener = (message: TransportMessage) => void;

/**
 * One logical connection over a transport, kept alive: it reconnects with backoff, pauses with
 * the page, and gives up on dead sockets; each attempt at a physical connection is an `Attempt`
 * (attempt.ts). Observe it with `subscribe` + `getSnapshot` (made for `useSyncExternalStore`) and
 * `onMessage`.
 *
 * @example
 * const connection = new Connection({ transport: webSocketTransport({ url }) });
 * connection.onMessage((message) => console.log(message.data));
 * connection.subscribe(() => console.log(connection.getSnapshot().status));
 * connection.connect();
 */
export class Connection {
  /** The time its timers run on: what shares of it (a channel client) schedule on too. */
  declare readonly clock: Clock;
  readonly #lifecycle: PageLifecycle;
  #visibility: VisibilityPolicy;
  /**
   * The app's credentials hook and first frame, as given: a channel refreshes credentials with
   * them when the server says they expire soon (PROTOCOL.md section 1a).
   */
  declare readonly onAuthFailure: AuthHook | undefined;
  declare readonly hello: (() => Frame) | undefined;
  // The app is asked for fresh credentials once after the server refused them, until a session
  // opens again.
  #askedForCredentials = false;
  // While the app's hook decides, a page coming back waits for its answer instead of reopening
  // with the credentials being replaced.
  #awaitingCredentials = false;
  readonly #settings: ConnectionSettings;
  // Only where the transport can send: what goes out, in order, at the server's pace.
  readonly #outbox: Outbox | undefined;

  readonly #store = new SnapshotStore<ConnectionSnapshot>(IDLE_CONNECTION_SNAPSHOT);
  readonly #messageListeners = new Set<MessageListener>();
  // From `transport.open` until the attempt ends; what it hears counts only until then.
  #attempt: Attempt | undefined;
  #stopLifecycle: (() => void) | undefined;
  // Set while a retry is due, and while a hidden page's grace period runs.
  #cancelRetry: (() => void) | undefined;
  #cancelGrace: (() => void) | undefined;

  constructor(options: ConnectionOptions) {
    const {
      transport,
      clock = systemClock,
      lifecycle,
      retryDelay = exponentialBackoff(),
      shouldRetry,
      maxAttempts = Infinity,
      minUptime = 5000,
      connectTimeout = 20_000,
      visibility = "pause",
      visibilityGrace = 10_000,
      watchdog = false,
      onAuthFailure,
      hello,
      queue = {},
    } = options;
    if (typeof process === "object" && process.env.NODE_ENV !== "production") {
      if (typeof transport?.open !== "function") {
        throw new TypeError("Connection: pass a `transport`, e.g. webSocketTransport({ url }).");
      }
      assertVisibility(visibility);
    }
    this.clock = clock;
    this.#settings = {
      transport,
      retryDelay,
      shouldRetry: shouldRetry ?? transport.shouldRetry ?? retryAlways,
      maxAttempts,
      minUptime,
      connectTimeout,
      visibilityGrace,
      watchdog,
    };
    this.#visibility = visibility;
    this.#lifecycle = lifecycle ?? createBrowserPageLifecycle();
    this.onAuthFailure = onAuthFailure;
    this.hello = hello;
    const outbox = transport.outbox?.({
      queue,
      hello,
      clock,
      // Only the outbox calls it, so the outbox exists by then.
      onChange: () => {
        const { queued, dropped } = outbox as Outbox;
        this.#store.update({ queued, dropped });
      },
      onClosing: () => this.#attempt?.closing(),
    });
    this.#outbox = outbox;
  }

  /** The current snapshot: the same object until something changes. */
  getSnapshot = this.#store.get;

  /** Calls `listener` after every snapshot change; returns the function that stops it. */
  subscribe = this.#store.subscribe;

  /** Calls `listener` with every message; returns the function that stops it. */
  onMessage(listener: MessageListener): () => void {
    this.#messageListeners.add(listener);
    return () => {
      this.#messageListeners.delete(listener);
    };
  }

  /**
   * Calls `handler` each time a physical connection opens (and now, if one is open), with a
   * `send` for frames that session needs before anything queued, such as a channel client's
   * subscriptions: they go out after the hello and before the outgoing queue, and the status
   * turns `open` only after. Frames sent through it later still go ahead of the queue; they are
   * dropped when the session ends, since every new session calls the handler again.
   */
  onSessionOpen(handler: (send: (data: Frame) => void) => void): () => void {
    return this.#outbox?.onSessionOpen(handler) ?? (() => {});
  }

  /**
   * Sends no faster than `pace` allows from now on (where the transport can send): a channel
   * server's limit. Frames beyond it wait in the outgoing queue, in order. `undefined` lifts it.
   */
  pace(pace: Pace | undefined): void {
    this.#outbox?.pace(pace);
  }

  /**
   * Changes what the connection does while the page is hidden, from now on: the
   * `ConnectionManager` sets the most permissive policy any of a shared connection's users asked
   * for. A connection paused by the old policy resumes at once if the new one keeps it.
   */
  setVisibility(visibility: VisibilityPolicy): void {
    if (typeof process === "object" && process.env.NODE_ENV !== "production") {
      assertVisibility(visibility);
    }
    if (visibility === this.#visibility) return;
    this.#visibility = visibility;
    if (isAtRest(this.#status) || this.#lifecycle.isVisible()) return;
    this.#cancelGrace?.();
    if (this.#mustPause()) this.#onPageSignal("hidden");
    else this.#resume();
  }

  /** Starts connecting. Does nothing unless `idle`, `closed` or `failed`. */
  connect(): void {
    if (!isAtRest(this.#status)) return;
    this.#stopLifecycle ??= this.#lifecycle.subscribe((signal) => this.#onPageSignal(signal));
    this.#setStatus("connecting", { error: null, attempt: 0 });
    this.#openUnlessPaused();
  }

  /** Closes for good (until `connect()`): no retry, no timer, no page listener. */
  close(): void {
    if (this.#status === "closed") return;
    this.#teardown();
    this.#stopLifecycle?.();
    this.#stopLifecycle = undefined;
    this.#outbox?.clear();
    this.#setStatus("closed");
  }

  /** Reconnects now, whatever the state: the "retry now" button. Resets the attempt counter. */
  reconnect(): void {
    if (isAtRest(this.#status)) {
      this.#setStatus("closed");
      this.connect();
      return;
    }
    this.#reopen({ attempt: 0 });
  }

  /**
   * Sends a frame (where the transport can send: WebSocket). While the connection is not open it
   * waits in the outgoing queue and goes out, in order, as soon as it opens; so does a frame over
   * the server's rate limit (`pace`). `onSent` hears when it reaches the socket, `onDrop` if it
   * never does. Returns false when the queue refused it.
   */
  send(data: Frame | ArrayBufferLike | Blob, handlers: SendHandlers = {}): boolean {
    if (this.#outbox === undefined) {
      throw new TypeError("Connection.send: an event stream is one-way.");
    }
    return this.#outbox.send(data as Frame | Blob, handlers);
  }

  #open(): void {
    // Whatever started this attempt, no other is due: a retry left armed (one set while the auth
    // hook was deciding) would open a second session behind this one.
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    this.#store.update({ nextRetryAt: null });
    try {
      this.#attempt = startAttempt({
        settings: this.#settings,
        clock: this.clock,
        lifecycle: this.#lifecycle,
        outbox: this.#outbox,
        // A session that opened took the credentials, even one found closing at once.
        onOpen: (usable) => {
          this.#askedForCredentials = false;
          if (!usable) return;
          this.#setStatus("open", { error: null });
          if (!this.#lifecycle.isVisible()) this.#onPageSignal("hidden");
        },
        // The store tells nobody when nothing changed.
        onStable: () => this.#store.update({ attempt: 0 }),
        onMessage: (message) => callEach(this.#messageListeners, message),
        onBadInput: (error) => this.#store.update({ error }),
        onClosing: () => this.#setStatus("reconnecting"),
        onLost: (error) => {
          this.#attempt = undefined;
          void this.#onFailure(error);
        },
        onStale: (error) => this.#reopen({ error }),
      });
    } catch (cause) {
      // A transport that cannot start (a URL that does not parse, a url function that throws)
      // fails this attempt like any other: the connection says why and tries again.
      const error = new ConnectionError("network", "The transport could not open.", { cause });
      void this.#onFailure(error);
    }
  }

  async #onFailure(error: ConnectionError): Promise<void> {
    const decision = this.#settings.shouldRetry(error);
    if (decision === "fatal") {
      this.#fail(error);
      return;
    }
    if (decision === "auth") {
      if (this.onAuthFailure === undefined || this.#askedForCredentials) {
        this.#fail(error);
        return;
      }
      this.#askedForCredentials = true;
      this.#setStatus("reconnecting", { error });
      this.#awaitingCredentials = true;
      const allowed = await askForCredentials(this.onAuthFailure, error);
      this.#awaitingCredentials = false;
      // The connection may have been closed or restarted while the hook ran.
      if (this.#status !== "reconnecting" || this.#attempt !== undefined) return;
      if (allowed) this.#openUnlessPaused();
      else this.#fail(error);
      return;
    }
    const { maxAttempts, retryDelay, transport } = this.#settings;
    const attempt = this.#store.get().attempt + 1;
    if (attempt > maxAttempts) {
      this.#fail(
        new ConnectionError(
          "retries-exhausted",
          `Gave up after ${maxAttempts} attempts: ${error.message}`,
          { cause: error },
        ),
      );
      return;
    }
    this.#store.update({ attempt, error });
    if (this.#mustPause()) {
      this.#pause();
      return;
    }
    const delay = timerDelay(
      retryDelay({
        attempt,
        serverRetry: transport.serverRetry,
        retryAfter: error.retryAfter,
      }),
    );
    this.#setStatus("reconnecting", { nextRetryAt: this.clock.now() + delay });
    this.#cancelRetry = startTimer(this.clock, delay, () => this.#openUnlessPaused());
  }

  #openUnlessPaused(): void {
    if (this.#mustPause()) this.#pause();
    else this.#open();
  }

  /** Abandons whatever is under way and connects now, skipping any wait. */
  #reopen(change?: Partial<ConnectionSnapshot>): void {
    this.#teardown();
    this.#setStatus("reconnecting", change);
    this.#open();
  }

  #fail(error: ConnectionError): void {
    this.#teardown();
    this.#setStatus("failed", { error });
  }

  #pause(): void {
    this.#teardown();
    this.#setStatus("paused");
  }

  /** Resumes a paused connection, or one waiting to retry, at once. */
  #resume(): void {
    if (this.#status !== "paused" && !this.#cancelRetry) return;
    if (this.#awaitingCredentials) this.#setStatus("reconnecting");
    else this.#reopen();
  }

  /** The visibility policy at work: what a signal from the page means for the connection. */
  #onPageSignal(signal: PageSignal): void {
    const status = this.#status;
    if (isAtRest(status)) return;
    if (signal === "offline" || (signal === "hidden" && this.#visibility === "close")) {
      this.#pause();
    } else if (signal === "hidden") {
      // A quick tab switch keeps the connection: it lets go only if still hidden after the grace.
      if (this.#visibility === "pause" && status !== "paused") {
        this.#cancelGrace?.();
        this.#cancelGrace = startTimer(this.clock, this.#settings.visibilityGrace, () => {
          if (!this.#lifecycle.isVisible()) this.#pause();
        });
      }
    } else {
      // Any sign of the page coming back ends a pending grace period.
      this.#cancelGrace?.();
      if (this.#mustPause()) return;
      // Back and open: make sure the connection survived (a sleep, a network change).
      if (status === "open") this.#attempt?.check();
      else this.#resume();
    }
  }

  /** Whether it must stay down now: offline, or hidden under a policy that lets go. */
  #mustPause(): boolean {
    const page = this.#lifecycle;
    return !page.isOnline() || (this.#visibility !== "keep" && !page.isVisible());
  }

  #teardown(): void {
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    this.#cancelGrace?.();
    this.#attempt?.end();
    this.#attempt = undefined;
  }

  get #status(): ConnectionStatus {
    return this.#store.get().status;
  }

  /** A retry is due only while waiting for one: every other status change clears `nextRetryAt`. */
  #setStatus(status: ConnectionStatus, change?: Partial<ConnectionSnapshot>): void {
    this.#store.update({ nextRetryAt: null, ...change, status });
  }
}
