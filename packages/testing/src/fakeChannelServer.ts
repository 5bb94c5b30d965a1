import {
  CHANNEL_SUBPROTOCOL,
  type Clock,
  isNewerId,
  type PresenceMember,
  systemClock,
} from "@wirekit/core";
import { createFakePresence } from "./fakePresence.js";
import type { FakeServer } from "./fakeServer.js";
import type { FakeServerSocket } from "./fakeServerSocket.js";

export interface FakeChannelServerOptions {
  /**
   * Messages kept per channel for replay; a client resuming from before the oldest one gets
   * `recovered: false`.
   * @default 1000
   */
  historySize?: number;
  /**
   * Decides each publish from a client: return `false` to refuse it with a `forbidden` error.
   * The message is published otherwise.
   * @default every publish is accepted
   */
  onPublish?: (publish: FakeChannelPublish) => boolean | undefined;
  /**
   * Milliseconds a present member stays after its socket closed without `presence-leave`
   * (PROTOCOL.md section 11), on `clock`.
   * @default 0 (it leaves at once)
   */
  presenceGrace?: number;
  /**
   * The clock the presence grace runs on: the fake server's virtual clock, in tests that use one.
   * @default systemClock
   */
  clock?: Clock;
}

/** A publish that reached the fake channel server. */
export interface FakeChannelPublish {
  readonly channel: string;
  readonly data: unknown;
  /** The socket it came on. */
  readonly socket: FakeServerSocket;
}

/** One message kept in a channel's history. */
export interface FakeChannelMessage {
  readonly id: string;
  readonly data: unknown;
}

/**
 * The channel protocol (PROTOCOL.md) on a fake server's WebSockets, for tests and stories: the
 * sockets that agree on `wirekit.v1` subscribe with resume, publish with acks, and ping.
 */
export interface FakeChannelServer {
  /** Publishes from the server side (another user, a bot); returns the message's id. */
  publish(channel: string, data: unknown): string;
  /** The messages a channel keeps for replay, oldest first. */
  history(channel: string): readonly FakeChannelMessage[];
  /** Who is present in `channel` now (PROTOCOL.md section 11), in the order they entered. */
  presence(channel: string): readonly PresenceMember[];
  /**
   * Makes a member that no socket holds present (a bot, another user in a story), or changes
   * its data: everyone present in `channel` hears it.
   */
  addMember(channel: string, member: PresenceMember): void;
  /** Removes member `id` from `channel`, whoever holds it. */
  removeMember(channel: string, id: string): void;
  /** How many sockets are subscribed to `channel` now. */
  subscribers(channel: string): number;
  /** Stops serving: sockets that connect later are left alone. */
  dispose(): void;
}

interface Channel {
  nextId: number;
  readonly history: FakeChannelMessage[];
  readonly subscribers: Set<FakeServerSocket>;
}

/**
 * Serves the wirekit channel protocol, version 1, on `server`'s WebSocket connections, with an
 * in-memory history per channel. Text frames only (binary payloads, PROTOCOL.md section 5, are
 * answered with `bad-frame`).
 *
 * @example
 * const server = createFakeServer({ clock });
 * const channels = createFakeChannelServer(server);
 * channels.publish("room:1", { text: "welcome" }); // kept for replay
 */
export function createFakeChannelServer(
  server: FakeServer,
  options: FakeChannelServerOptions = {},
): FakeChannelServer {
  const { historySize = 1000, onPublish, presenceGrace = 0, clock = systemClock } = options;
  if (!Number.isInteger(historySize) || historySize < 0) {
    throw new RangeError("createFakeChannelServer: `historySize` must be a whole number ≥ 0.");
  }
  if (!Number.isFinite(presenceGrace) || presenceGrace < 0) {
    throw new RangeError("createFakeChannelServer: `presenceGrace` must be a finite number ≥ 0.");
  }
  const channels = new Map<string, Channel>();
  const channelOf = (name: string): Channel => {
    let channel = channels.get(name);
    if (channel === undefined) {
      channel = { nextId: 1, history: [], subscribers: new Set() };
      channels.set(name, channel);
    }
    return channel;
  };
  const send = (socket: FakeServerSocket, frame: object) => socket.send(JSON.stringify(frame));
  const presence = createFakePresence(send, clock, presenceGrace);

  const publish = (name: string, data: unknown): string => {
    const channel = channelOf(name);
    const id = String(channel.nextId++);
    channel.history.push({ id, data });
    if (channel.history.length > historySize) channel.history.shift();
    for (const socket of channel.subscribers) {
      send(socket, { type: "message", channel: name, id, data });
    }
    return id;
  };

  const subscribe = (socket: FakeServerSocket, name: string, resume: string | undefined) => {
    const channel = channelOf(name);
    channel.subscribers.add(socket);
    const newest = String(channel.nextId - 1);
    const oldest = channel.history[0];
    // A resume is vouched for when this server gave that id out and still holds the message
    // right after it (PROTOCOL.md section 3).
    const recovered =
      resume === undefined ||
      (!isNewerId(resume, newest) &&
        (oldest === undefined || !isNewerId(oldest.id, String(BigInt(resume) + 1n))));
    // Delivery starts after the resume point, or, fresh or after a gap, after the newest id.
    const position = resume !== undefined && recovered ? resume : newest;
    send(socket, { type: "subscribed", channel: name, recovered, position });
    if (resume === undefined || !recovered) return;
    for (const message of channel.history) {
      if (isNewerId(message.id, resume)) {
        send(socket, { type: "message", channel: name, id: message.id, data: message.data });
      }
    }
  };

  const handle = (socket: FakeServerSocket, raw: string | Uint8Array) => {
    const frame = decode(raw);
    if (frame === undefined) {
      send(socket, { type: "error", code: "bad-frame", reason: "not a JSON object frame" });
      return;
    }
    const { type, channel, ack } = frame;
    const about = { frame: type, ...(typeof ack === "string" ? { ack } : {}) };
    if (type === "ping" || type === "pong") {
      if (type === "ping") send(socket, { type: "pong", nonce: frame.nonce });
      return;
    }
    if (type === "presence-enter" || type === "presence-leave") {
      const { key } = frame;
      if (typeof channel !== "string" || (key !== undefined && typeof key !== "string")) {
        send(socket, { type: "error", code: "bad-frame", reason: "bad members", ...about });
      } else if (type === "presence-enter") presence.enter(socket, channel, frame.data, key);
      else presence.leave(socket, channel);
      return;
    }
    if (type !== "subscribe" && type !== "unsubscribe" && type !== "publish") {
      send(socket, { type: "error", code: "unknown-type", reason: "unknown frame type", ...about });
      return;
    }
    if (typeof channel !== "string" || (type === "subscribe" && !isResume(frame.resume))) {
      send(socket, { type: "error", code: "bad-frame", reason: "bad members", ...about });
      return;
    }
    if (type === "subscribe") subscribe(socket, channel, frame.resume as string | undefined);
    else if (type === "unsubscribe") channels.get(channel)?.subscribers.delete(socket);
    else if (onPublish?.({ channel, data: frame.data, socket }) === false) {
      send(socket, { type: "error", code: "forbidden", reason: "refused", channel, ...about });
    } else {
      const id = publish(channel, frame.data);
      if (typeof ack === "string") send(socket, { type: "ack", ack, id });
    }
  };

  const stop = server.onConnection((socket) => {
    if (socket.protocol !== CHANNEL_SUBPROTOCOL) return;
    socket.onMessage((data) => handle(socket, data));
    socket.onClose(() => {
      for (const channel of channels.values()) channel.subscribers.delete(socket);
      presence.closed(socket);
    });
  });

  return {
    publish,
    history: (name) => [...(channels.get(name)?.history ?? [])],
    presence: presence.members,
    addMember: presence.put,
    removeMember: presence.remove,
    subscribers: (name) => channels.get(name)?.subscribers.size ?? 0,
    dispose: stop,
  };
}

/** A client frame's members, unchecked. */
interface RawFrame {
  readonly type?: unknown;
  readonly channel?: unknown;
  readonly resume?: unknown;
  readonly data?: unknown;
  readonly ack?: unknown;
  readonly nonce?: unknown;
  readonly key?: unknown;
}

function decode(raw: string | Uint8Array): RawFrame | undefined {
  if (typeof raw !== "string") return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as RawFrame)
      : undefined;
  } catch {
    return undefined;
  }
}

function isResume(value: unknown): boolean {
  return value === undefined || (typeof value === "string" && /^\d+$/.test(value));
}
