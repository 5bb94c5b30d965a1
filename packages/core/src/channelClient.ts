import {
  type ChannelProtocol,
  ChannelProtocolError,
  type ClientFrame,
  isNewerId,
  jsonChannelProtocol,
  type ServerFrame,
} from "./channelProtocol.js";
import { type Clock, systemClock } from "./clock.js";
import type { Connection } from "./connection.js";
import type { DropReason } from "./outgoingQueue.js";
import { rethrowAsync } from "./rethrowAsync.js";
import { startTimer } from "./timers.js";

/** What a channel's subscribers hear. */
export type ChannelEvent =
  | {
      readonly type: "message";
      readonly channel: string;
      readonly id: string;
      readonly data: unknown;
    }
  /**
   * The server confirmed the subscription, after every (re)connect. `recovered: false` is a gap:
   * messages were missed and could not be replayed; refetch what the channel shows.
   */
  | {
      readonly type: "subscribed";
      readonly channel: string;
      readonly recovered: boolean;
      readonly position: string | undefined;
    }
  /** Bad input about this channel, or an error the server sent about it. */
  | {
      readonly type: "error";
      readonly channel: string;
      readonly error: ChannelProtocolError | ChannelServerError;
    };

/** An `error` frame from the server (PROTOCOL.md section 6). */
export class ChannelServerError extends Error {
  override readonly name = "ChannelServerError";
  /** The server's code: `forbidden`, `rate-limited`, `bad-frame`, … */
  readonly code: string;
  /** The frame type it answers, when the server said. */
  readonly frame: string | undefined;
  readonly channel: string | undefined;

  constructor(frame: Extract<ServerFrame, { type: "error" }>) {
    super(frame.reason);
    this.code = frame.code;
    this.frame = frame.frame;
    this.channel = frame.channel;
  }
}

/**
 * Why a publish was not acknowledged:
 * - `rejected`, `evicted`, `expired`, `cleared`: the outgoing queue dropped it before it went out;
 * - `timeout`: it went out, and no ack came within `ackTimeout`;
 * - `disconnected`: the connection dropped after it went out and before the ack (it may or may
 *   not have arrived; PROTOCOL.md section 4);
 * - `server`: the server answered with an error (`cause` is the `ChannelServerError`).
 */
export type PublishErrorCode = DropReason | "timeout" | "disconnected" | "server";

export class PublishError extends Error {
  override readonly name = "PublishError";
  readonly code: PublishErrorCode;
  readonly channel: string;

  constructor(code: PublishErrorCode, channel: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.channel = channel;
  }
}

export interface ChannelClientOptions {
  /**
   * The wire format.
   * @default jsonChannelProtocol (PROTOCOL.md)
   */
  protocol?: ChannelProtocol;
  /**
   * Frames larger than this (characters of text, bytes of binary) are dropped unread.
   * @default 1_048_576
   */
  maxFrameSize?: number;
  /**
   * Milliseconds to wait for an ack once a publish went out.
   * @default 10_000
   */
  ackTimeout?: number;
  /** @default systemClock */
  clock?: Clock;
}

interface ChannelState {
  readonly listeners: Set<(event: ChannelEvent) => void>;
  lastId: string | undefined;
}

interface PendingAck {
  readonly channel: string;
  readonly resolve: (result: { id: string | undefined }) => void;
  readonly reject: (error: PublishError) => void;
  cancelTimeout: (() => void) | undefined;
}

/**
 * Many channels over one WebSocket connection, by PROTOCOL.md: subscriptions survive reconnects
 * and resume from each channel's last message id, duplicates from a replay are dropped, a
 * channel nobody listens to any more is unsubscribed on the wire, and publishes can wait for the
 * server's ack.
 *
 * @example
 * const lease = manager.acquire({ transport: "websocket", url, protocols: [CHANNEL_SUBPROTOCOL] });
 * const channels = new ChannelClient(lease.connection);
 * const stop = channels.subscribe("room:42", (event) => {
 *   if (event.type === "message") show(event.data);
 *   if (event.type === "subscribed" && !event.recovered) refetchHistory();
 * });
 * await channels.publish("room:42", { text: "hello" });
 */
export class ChannelClient {
  readonly #connection: Connection;
  readonly #protocol: ChannelProtocol;
  readonly #maxFrameSize: number;
  readonly #ackTimeout: number;
  readonly #clock: Clock;
  readonly #channels = new Map<string, ChannelState>();
  readonly #pending = new Map<string, PendingAck>();
  readonly #errorListeners = new Set<(error: ChannelProtocolError | ChannelServerError) => void>();
  readonly #detach: Array<() => void>;
  // Writes straight to the current physical connection: control frames are never queued, since
  // every open re-sends the subscriptions anyway.
  #send: ((data: string | ArrayBuffer) => void) | undefined;
  #wasOpen: boolean;
  #nextAck = 0;

  constructor(connection: Connection, options: ChannelClientOptions = {}) {
    const {
      protocol = jsonChannelProtocol,
      maxFrameSize = 1024 * 1024,
      ackTimeout = 10_000,
      clock = systemClock,
    } = options;
    this.#connection = connection;
    this.#protocol = protocol;
    this.#maxFrameSize = maxFrameSize;
    this.#ackTimeout = ackTimeout;
    this.#clock = clock;
    this.#detach = [
      connection.onSessionOpen((send) => this.#onSessionOpen(send)),
      connection.onMessage((message) => this.#onData(message.data)),
      connection.subscribe(() => {
        const open = connection.getSnapshot().status === "open";
        if (this.#wasOpen && !open) this.#onSessionLost();
        this.#wasOpen = open;
      }),
    ];
    this.#wasOpen = connection.getSnapshot().status === "open";
    if (this.#wasOpen) this.#send = (data) => connection.send(data);
  }

  /**
   * Listens to `channel`. The first listener subscribes on the wire (now, or when the connection
   * opens); the last one to stop unsubscribes.
   */
  subscribe(channel: string, listener: (event: ChannelEvent) => void): () => void {
    if (typeof channel !== "string" || channel === "") {
      throw new TypeError("ChannelClient.subscribe: `channel` must be a non-empty string.");
    }
    let state = this.#channels.get(channel);
    if (state === undefined) {
      state = { listeners: new Set(), lastId: undefined };
      this.#channels.set(channel, state);
      this.#write({ type: "subscribe", channel });
    }
    const held = state;
    held.listeners.add(listener);
    return () => {
      if (!held.listeners.delete(listener) || held.listeners.size > 0) return;
      if (this.#channels.get(channel) !== held) return;
      this.#channels.delete(channel);
      this.#write({ type: "unsubscribe", channel });
    };
  }

  /**
   * Publishes `data` (any JSON value, or bytes) on `channel`. Resolves with the id the broker
   * gave it once the server acknowledges; rejects with a `PublishError` saying why it was not.
   * While the connection is down the publish waits in the outgoing queue.
   */
  publish(channel: string, data: unknown): Promise<{ id: string | undefined }> {
    const ack = String(++this.#nextAck);
    return new Promise((resolve, reject) => {
      const pending: PendingAck = { channel, resolve, reject, cancelTimeout: undefined };
      this.#pending.set(ack, pending);
      const fail = (code: PublishErrorCode, message: string) => {
        if (this.#pending.get(ack) !== pending) return;
        this.#settle(ack);
        reject(new PublishError(code, channel, message));
      };
      const frame = this.#protocol.encode({ type: "publish", channel, data, ack });
      this.#connection.send(frame, {
        onSent: () => {
          pending.cancelTimeout = startTimer(this.#clock, this.#ackTimeout, () =>
            fail("timeout", `No ack within ${this.#ackTimeout} ms.`),
          );
        },
        onDrop: (reason) =>
          fail(reason, `The publish was dropped from the outgoing queue (${reason}).`),
      });
    });
  }

  /** Hears bad input and server errors that name no channel this client listens to. */
  onError(listener: (error: ChannelProtocolError | ChannelServerError) => void): () => void {
    this.#errorListeners.add(listener);
    return () => {
      this.#errorListeners.delete(listener);
    };
  }

  /** The id of the last message delivered on `channel`: where a reconnect resumes. */
  lastId(channel: string): string | undefined {
    return this.#channels.get(channel)?.lastId;
  }

  /** Channels with listeners. */
  get channels(): string[] {
    return [...this.#channels.keys()];
  }

  /** Stops listening to the connection; pending publishes are rejected as `disconnected`. */
  dispose(): void {
    for (const detach of this.#detach.splice(0)) detach();
    this.#onSessionLost();
  }

  #onSessionOpen(send: (data: string | ArrayBuffer) => void): void {
    this.#send = send;
    for (const [channel, state] of this.#channels) {
      this.#write(
        state.lastId === undefined
          ? { type: "subscribe", channel }
          : { type: "subscribe", channel, resume: state.lastId },
      );
    }
  }

  #onSessionLost(): void {
    this.#send = undefined;
    for (const [ack, pending] of [...this.#pending]) {
      if (pending.cancelTimeout === undefined) continue; // still queued: it goes out on the next connection
      this.#settle(ack);
      pending.reject(
        new PublishError(
          "disconnected",
          pending.channel,
          "The connection dropped before the server acknowledged the publish.",
        ),
      );
    }
  }

  #settle(ack: string): void {
    const pending = this.#pending.get(ack);
    if (pending === undefined) return;
    this.#pending.delete(ack);
    pending.cancelTimeout?.();
  }

  /** Writes a control frame now if connected; otherwise it is sent on the next open. */
  #write(frame: ClientFrame): void {
    const send = this.#send;
    if (send === undefined) return;
    try {
      send(this.#protocol.encode(frame));
    } catch {
      // The socket is going away; its close comes next, and the open after it resubscribes.
    }
  }

  #onData(data: unknown): void {
    const size =
      typeof data === "string" ? data.length : data instanceof ArrayBuffer ? data.byteLength : 0;
    if (size > this.#maxFrameSize) {
      this.#report(
        new ChannelProtocolError(
          "too-large",
          `A frame of ${size} exceeds maxFrameSize (${this.#maxFrameSize}).`,
        ),
      );
      return;
    }
    let frame: ServerFrame;
    try {
      frame = this.#protocol.decode(data as string | ArrayBuffer);
    } catch (error) {
      this.#report(
        error instanceof ChannelProtocolError
          ? error
          : new ChannelProtocolError("bad-frame", "The protocol could not decode a frame.", {
              cause: error,
            }),
      );
      return;
    }
    switch (frame.type) {
      case "message": {
        const state = this.#channels.get(frame.channel);
        if (state === undefined) {
          this.#report(
            new ChannelProtocolError(
              "unknown-channel",
              `A message for ${frame.channel}, which nobody subscribed to.`,
              { channel: frame.channel },
            ),
          );
          return;
        }
        if (state.lastId !== undefined && !isNewerId(frame.id, state.lastId)) {
          this.#report(
            new ChannelProtocolError(
              "duplicate",
              `Message ${frame.id} on ${frame.channel} was already delivered.`,
              { channel: frame.channel },
            ),
          );
          return;
        }
        state.lastId = frame.id;
        this.#emit(state, {
          type: "message",
          channel: frame.channel,
          id: frame.id,
          data: frame.data,
        });
        return;
      }
      case "subscribed": {
        const state = this.#channels.get(frame.channel);
        if (state === undefined) return; // unsubscribed since: the unsubscribe frame is on its way
        this.#emit(state, {
          type: "subscribed",
          channel: frame.channel,
          recovered: frame.recovered,
          position: frame.position,
        });
        return;
      }
      case "ack": {
        const pending = this.#pending.get(frame.ack);
        if (pending === undefined) {
          this.#report(
            new ChannelProtocolError(
              "unexpected-ack",
              `An ack for ${frame.ack}, which is not in flight.`,
            ),
          );
          return;
        }
        this.#settle(frame.ack);
        pending.resolve({ id: frame.id });
        return;
      }
      case "error": {
        const error = new ChannelServerError(frame);
        const pending = frame.ack === undefined ? undefined : this.#pending.get(frame.ack);
        if (pending !== undefined && frame.ack !== undefined) {
          this.#settle(frame.ack);
          pending.reject(
            new PublishError(
              "server",
              pending.channel,
              `The server refused the publish: ${frame.reason}`,
              error,
            ),
          );
          return;
        }
        this.#report(error);
        return;
      }
      case "ping":
        this.#write(
          frame.nonce === undefined ? { type: "pong" } : { type: "pong", nonce: frame.nonce },
        );
        return;
      case "pong":
        return;
    }
  }

  #emit(state: ChannelState, event: ChannelEvent): void {
    for (const listener of [...state.listeners]) {
      try {
        listener(event);
      } catch (error) {
        rethrowAsync(error);
      }
    }
  }

  /** Bad input or a server error goes to its channel's listeners, or to `onError` listeners. */
  #report(error: ChannelProtocolError | ChannelServerError): void {
    const state = error.channel === undefined ? undefined : this.#channels.get(error.channel);
    if (state !== undefined && error.channel !== undefined) {
      this.#emit(state, { type: "error", channel: error.channel, error });
      return;
    }
    for (const listener of [...this.#errorListeners]) {
      try {
        listener(error);
      } catch (thrown) {
        rethrowAsync(thrown);
      }
    }
  }
}
