import { ChannelProtocolError, ChannelServerError } from "./channelErrors.js";
import type { ChannelExtension } from "./channelExtension.js";
import { type ChannelProtocol, jsonChannelProtocol, readFrame } from "./channelProtocol.js";
import type { ChannelEvent, SubscribeOptions } from "./channelSource.js";
import type { Clock } from "./clock.js";
import type { Connection } from "./connection.js";
import { credentialRefresher, reconnectWithFreshCredentials } from "./credentialRefresh.js";
import type { Frame } from "./outbox.js";
import { type ClientFrame, isMessageId, isNewerId, type ServerFrame } from "./protocol.js";
import { Publishes } from "./publishes.js";
import { callEach, callSafely } from "./rethrowAsync.js";
import { type SendRate, TokenBucket } from "./tokenBucket.js";

function subscribeFrame(channel: string, state: ChannelState): ClientFrame {
  return state.lastId === undefined
    ? { type: "subscribe", channel }
    : { type: "subscribe", channel, resume: state.lastId };
}

export interface ChannelClientOptions {
  /**
   * The wire format: `binaryChannelProtocol` where channels carry bytes.
   * @default jsonChannelProtocol (PROTOCOL.md, text frames)
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
  /** @default the connection's clock */
  clock?: Clock;
  /**
   * How fast to send until the server says its limits (PROTOCOL.md `limits`): frames beyond the
   * pace wait in the outgoing queue, so a queue flushed after a reconnect is not refused as a
   * flood. `false` sends as fast as the socket takes until the server says otherwise.
   * @default { messages: 100, per: 1000 } — the reference server's default
   */
  sendRate?: SendRate | false;
  /**
   * How many times a publish the server refused as `rate-limited` is sent again (it was not
   * accepted, so sending it again cannot duplicate it) before it is rejected.
   * @default 3
   */
  rateLimitedRetries?: number;
}

/** How a channel subscription starts. */
interface ChannelState {
  readonly listeners: Set<(event: ChannelEvent) => void>;
  /** Where a resubscription resumes: the last message delivered, or where delivery started. */
  lastId: string | undefined;
  /** Whether the server confirmed the subscription on the current session. */
  confirmed: boolean;
  /** Whether a message was delivered since the last `subscribe` frame went out. */
  delivered: boolean;
}

/**
 * Many channels over one WebSocket connection, by PROTOCOL.md: subscriptions survive reconnects
 * and resume from each channel's last message id, duplicates from a replay are dropped, a
 * channel nobody listens to any more is unsubscribed on the wire, and publishes can wait for the
 * server's ack.
 *
 * @example
 * // Shared with every other user of the socket: `webSocketChannels(…).channelsOf(lease)`.
 * const connection = new Connection({ transport: webSocketTransport({ url, protocols: [CHANNEL_SUBPROTOCOL] }) });
 * const channels = new ChannelClient(connection);
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
  readonly #publishes: Publishes;
  readonly #clock: Clock;
  // The largest frame the server takes, once its `limits` frame said.
  #serverMaxFrameSize = Infinity;
  readonly #channels = new Map<string, ChannelState>();
  readonly #errorListeners = new Set<(error: ChannelProtocolError | ChannelServerError) => void>();
  readonly #extensions = new Set<ChannelExtension>();
  readonly #detach: Array<() => void>;
  // The session's control path: ahead of the outgoing queue, and dropped with the session, since
  // every open re-sends the subscriptions anyway.
  #send: ((data: Frame) => void) | undefined;
  #wasOpen: boolean;
  // Channels whose last listener left in this task: unsubscribed on the wire at its end, unless
  // a listener comes back first.
  readonly #leaving = new Map<string, ChannelState>();
  // The session the latest `expiring` notice came on: the refresh under way answers it.
  #noticedOn: ((data: Frame) => void) | undefined;
  readonly #refreshCredentials: (apply: () => void) => Promise<void>;

  constructor(connection: Connection, options: ChannelClientOptions = {}) {
    const {
      protocol = jsonChannelProtocol,
      maxFrameSize = 1024 * 1024,
      ackTimeout = 10_000,
      clock = connection.clock,
      sendRate = { messages: 100, per: 1000 },
      rateLimitedRetries = 3,
    } = options;
    this.#connection = connection;
    this.#protocol = protocol;
    this.#maxFrameSize = maxFrameSize;
    this.#publishes = new Publishes(connection, { clock, ackTimeout, rateLimitedRetries });
    this.#clock = clock;
    this.#refreshCredentials = credentialRefresher(connection.onAuthFailure);
    if (sendRate !== false) connection.pace(new TokenBucket(sendRate, clock));
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
  }

  /**
   * Listens to `channel`. The first listener subscribes on the wire (now, or when the connection
   * opens), resuming from `options.resumeFrom` if given; the last one to stop unsubscribes, at
   * the end of the task, so that a listener coming back at once keeps the subscription.
   */
  subscribe(
    channel: string,
    listener: (event: ChannelEvent) => void,
    options: SubscribeOptions = {},
  ): () => void {
    if (typeof channel !== "string" || channel === "") {
      throw new TypeError("ChannelClient.subscribe: `channel` must be a non-empty string.");
    }
    const { resumeFrom } = options;
    if (resumeFrom !== undefined && !isMessageId(resumeFrom)) {
      throw new TypeError(
        `ChannelClient.subscribe: \`resumeFrom\` must be a message id (a decimal string), got ${JSON.stringify(resumeFrom)}.`,
      );
    }
    let state = this.#channels.get(channel);
    if (state === undefined) {
      const left = this.#leaving.get(channel);
      this.#leaving.delete(channel);
      // Its last listener left in this same task (a component remounting, as StrictMode does):
      // the subscription stands, with what the server replays for it, unless this one resumes
      // from elsewhere.
      if (left !== undefined && (resumeFrom === undefined || resumeFrom === left.lastId)) {
        state = left;
      } else {
        if (left !== undefined) this.#write({ type: "unsubscribe", channel });
        state = { listeners: new Set(), lastId: resumeFrom, confirmed: false, delivered: false };
        this.#write(subscribeFrame(channel, state));
      }
      this.#channels.set(channel, state);
    }
    const held = state;
    held.listeners.add(listener);
    // A listener joining a live subscription hears where it stands, as the first one did.
    if (held.confirmed) {
      callSafely(listener, { type: "subscribed", channel, recovered: true, position: held.lastId });
    }
    // Once: a subscription taken up again must not hear the stop of one before it.
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      if (!held.listeners.delete(listener) || held.listeners.size > 0) return;
      this.#channels.delete(channel);
      this.#leaving.set(channel, held);
      queueMicrotask(() => {
        if (this.#leaving.get(channel) !== held) return;
        this.#leaving.delete(channel);
        this.#write({ type: "unsubscribe", channel });
      });
    };
  }

  /**
   * Publishes `data` (any JSON value, or bytes with `binaryChannelProtocol`) on `channel`. Resolves with the id the broker
   * gave it once the server acknowledges; rejects with a `PublishError` saying why it was not.
   * While the connection is down the publish waits in the outgoing queue.
   */
  publish(channel: string, data: unknown): Promise<{ id: string | undefined }> {
    return this.#publishes.publish(
      channel,
      (ack) => this.#protocol.encode({ type: "publish", channel, data, ack }),
      this.#serverMaxFrameSize,
    );
  }

  /** Hears bad input and server errors that name no channel this client listens to. */
  onError(listener: (error: ChannelProtocolError | ChannelServerError) => void): () => void {
    this.#errorListeners.add(listener);
    return () => {
      this.#errorListeners.delete(listener);
    };
  }

  /** Adds an extension; it hears sessions that open from now on. */
  extend(extension: ChannelExtension): () => void {
    this.#extensions.add(extension);
    return () => {
      this.#extensions.delete(extension);
    };
  }

  /**
   * Sends a control frame ahead of the outgoing queue, now if the connection is open; otherwise
   * it is not sent (an extension sends what a session needs from `open`).
   */
  sendControl(frame: ClientFrame): void {
    this.#write(frame);
  }

  /**
   * Where `channel` stands: the id of the last message delivered, or, before any, where its
   * subscription started (the server's `position`). A reconnect resumes from it; store it to
   * resume after a page load (`subscribe`'s `resumeFrom`).
   */
  lastId(channel: string): string | undefined {
    return this.#channels.get(channel)?.lastId;
  }

  /** Publishes not settled yet: queued, or sent and waiting for the server's answer. */
  get pending(): number {
    return this.#publishes.size;
  }

  /** Channels with listeners. */
  get channels(): string[] {
    return [...this.#channels.keys()];
  }

  /**
   * Stops listening to the connection. Publishes already sent are rejected as `disconnected`;
   * those still in the connection's queue settle when the queue lets go of them (closing the
   * connection drops them, and each is rejected with the reason).
   */
  dispose(): void {
    for (const detach of this.#detach.splice(0)) detach();
    this.#onSessionLost();
  }

  #onSessionOpen(send: (data: Frame) => void): void {
    this.#send = send;
    for (const [channel, state] of this.#channels) {
      state.confirmed = false;
      state.delivered = false;
      this.#write(subscribeFrame(channel, state));
    }
    for (const extension of [...this.#extensions]) extension.open();
  }

  #onSessionLost(): void {
    this.#send = undefined;
    this.#publishes.lost();
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
    const frame = readFrame(this.#protocol, data, this.#maxFrameSize);
    if (frame instanceof ChannelProtocolError) {
      this.#report(frame);
      return;
    }
    switch (frame.type) {
      case "message": {
        const { channel, id, data } = frame;
        const state = this.#channels.get(channel);
        if (state === undefined) {
          this.#report(
            new ChannelProtocolError("unknown-channel", "A message for no subscription.", {
              channel,
            }),
          );
          return;
        }
        if (state.lastId !== undefined && !isNewerId(id, state.lastId)) {
          this.#report(
            new ChannelProtocolError("duplicate", `Message ${id} came already.`, { channel }),
          );
          return;
        }
        state.lastId = id;
        state.delivered = true;
        callEach(state.listeners, { type: "message", channel, id, data });
        return;
      }
      case "subscribed": {
        const { channel, recovered, position } = frame;
        const state = this.#channels.get(channel);
        if (state === undefined) return; // unsubscribed since: the unsubscribe frame is on its way
        // Delivery starts after `position`: from now on that is where a resubscription resumes,
        // also for a channel that has had no message yet.
        // Never back past a message delivered: one of an earlier subscription may have arrived
        // first. Until one was, the answer to an earlier subscribe of the channel (left and
        // subscribed again before it came) may have moved it past this answer's position.
        if (
          position !== undefined &&
          (state.lastId === undefined || !state.delivered || isNewerId(position, state.lastId))
        ) {
          state.lastId = position;
        }
        state.confirmed = true;
        callEach(state.listeners, { type: "subscribed", channel, recovered, position });
        return;
      }
      case "ack": {
        if (!this.#publishes.acked(frame.ack, frame.id)) {
          this.#report(
            new ChannelProtocolError("unexpected-ack", `No publish awaits ack ${frame.ack}.`),
          );
        }
        return;
      }
      case "error": {
        const error = new ChannelServerError(frame);
        if (frame.ack !== undefined && this.#publishes.refused(frame.ack, error)) return;
        // A subscribe refused for the server's rate was not processed: it goes out again, at the
        // pace, if the subscription is still wanted (or nothing would ever arrive for it).
        const { channel } = frame;
        if (frame.code === "rate-limited" && frame.frame === "subscribe" && channel !== undefined) {
          const state = this.#channels.get(channel);
          if (state !== undefined) this.#write(subscribeFrame(channel, state));
          return;
        }
        if (!this.#offer(frame)) this.#report(error);
        return;
      }
      case "ping":
        // The pong echoes the ping's nonce, if it has one, and nothing else the ping carried.
        this.#write(
          frame.nonce === undefined ? { type: "pong" } : { type: "pong", nonce: frame.nonce },
        );
        return;
      case "pong":
        return;
      case "expiring": {
        this.#noticedOn = this.#send;
        void this.#refreshCredentials(() => {
          const send = this.#noticedOn;
          // Since the notice, a new session began, with fresh credentials.
          if (this.#send !== undefined && this.#send !== send) return;
          const { hello } = this.#connection;
          // In band, on this socket: the server verifies the fresh `auth` and carries on.
          if (this.#send !== undefined && hello !== undefined) this.#send(hello());
          else reconnectWithFreshCredentials(this.#connection);
        });
        return;
      }
      case "limits": {
        const { messages, per, maxFrameSize } = frame;
        if (messages !== undefined && per !== undefined) {
          this.#connection.pace(new TokenBucket({ messages, per }, this.#clock));
        }
        this.#serverMaxFrameSize = maxFrameSize ?? Infinity;
        return;
      }
      default:
        this.#offer(frame);
    }
  }

  /** Hands `frame` to the extensions until one takes it. */
  #offer(frame: ServerFrame): boolean {
    return [...this.#extensions].some((extension) => extension.frame(frame));
  }

  /** Bad input or a server error goes to its channel's listeners, or to `onError` listeners. */
  #report(error: ChannelProtocolError | ChannelServerError): void {
    const { channel } = error;
    const state = channel === undefined ? undefined : this.#channels.get(channel);
    if (state === undefined || channel === undefined) callEach(this.#errorListeners, error);
    else callEach(state.listeners, { type: "error", channel, error });
  }
}
