import type { ConnectionError } from "./errors.js";
import type { EventStreamParseError } from "./eventStreamParseError.js";
import type { ProbeOptions, SessionProbe } from "./liveness.js";
import type { Outbox, OutboxOptions } from "./outbox.js";
import type { ShouldRetry } from "./retry.js";

/** One message from the server, whatever the transport. */
export interface TransportMessage {
  /** Text, or binary (an `ArrayBuffer`, or a `Blob` where `binaryType` asks for one) on WebSocket. */
  readonly data: unknown;
  /** The event type on an event stream (`"message"` unless named); undefined on WebSocket. */
  readonly event?: string;
  /** The last event id on an event stream; undefined on WebSocket. */
  readonly lastEventId?: string;
}

/**
 * What a transport tells the connection that opened it: never during `open` (a transport reports
 * as the platform does, later), and nothing after `session.close()`.
 */
export interface TransportCallbacks {
  onOpen(): void;
  onMessage(message: TransportMessage): void;
  /** Something arrived — a message, a comment, a pong: the connection is alive. */
  onActivity(): void;
  /** The connection is gone, and why. Called once. */
  onClose(error: ConnectionError): void;
  /**
   * Bad input that was skipped; the connection goes on, showing it as its error. Each call is a
   * new snapshot: report a run of the same bad input once.
   */
  onBadInput(error: EventStreamParseError): void;
}

/** One physical connection. */
export interface TransportSession {
  /** Sends a frame (WebSocket only). */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  /** Closes it without calling back. */
  close(): void;
}

/**
 * A way to reach a server: a native `EventSource`, a `FetchEventSource`, or a `WebSocket`. A
 * transport only opens physical connections; reconnecting, backoff, heartbeats and the page
 * lifecycle belong to the `Connection` that uses it.
 */
export interface Transport {
  open(callbacks: TransportCallbacks): TransportSession;
  /**
   * A transport that carries frames to the server makes the connection's outbox (the outgoing
   * queue and the pace): a connection can send, queue and ping only over such a transport. The
   * code for it comes with the transports that need it, so an event stream's bundle has none.
   */
  readonly outbox?: (options: OutboxOptions) => Outbox;
  /**
   * How a session is judged alive between messages, and after the machine slept: pinged (a
   * `heartbeat()`, where the app asked for one) over a WebSocket, timed for silence (`Watchdog`)
   * on an event stream. Without one, only a session's own close ends it.
   */
  readonly probe?: ((options: ProbeOptions) => SessionProbe) | undefined;
  /**
   * Which of this transport's failures are worth retrying, unless the connection is given its
   * own `shouldRetry`: `retryByCloseCode` for WebSocket, `retryByHttpStatus` for event streams.
   * Without one, every failure is retried.
   */
  readonly shouldRetry?: ShouldRetry;
  /**
   * The server's advice on how long to wait before reconnecting, in milliseconds, where the
   * transport hears any (an event stream's `retry:`): the floor of every retry's delay.
   */
  readonly serverRetry?: number | undefined;
}
