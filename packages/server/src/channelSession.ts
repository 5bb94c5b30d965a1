import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { CLOSE_CODES } from "@wirekit/core/protocol";
import type { WebSocket } from "ws";
import type { Broker, BrokerMessage } from "./broker.js";
import {
  type ChannelErrorCode,
  type ClientFrame,
  decodeClientFrame,
  encodeServerFrame,
  type ServerFrame,
} from "./channelFrames.js";
import { createChannelPresence } from "./channelPresence.js";
import { createChannelSubscriptions } from "./channelSubscriptions.js";
import type { PresenceChange, PresenceStore } from "./presenceStore.js";
import { createRateLimiter, type RateLimit } from "./rateLimiter.js";
import type { ClosingPolicy } from "./socketClosing.js";
import { webSocketFrame } from "./webSocketFrame.js";

/** Who is connected, as `authenticate` and `authorize` see it. */
export interface ChannelConnection {
  /** The upgrade request: headers, cookies, remote address. */
  readonly request: IncomingMessage;
  /** What `authenticate` returned (`true` when there is no hook). */
  readonly user: unknown;
}

/** The server's `authenticate` hook: `false` refuses, anything else is the user. */
export type Authenticate = (request: IncomingMessage, token?: string) => Promise<unknown> | unknown;

/**
 * The server's `authorize` hook: may this connection subscribe to, publish on, or be present in
 * `channel` (PROTOCOL.md section 11)?
 */
export type Authorize = (
  connection: ChannelConnection,
  action: "subscribe" | "publish" | "presence",
  channel: string,
) => Promise<boolean> | boolean;

/** The server's presence settings, as every session uses them. */
export interface SessionPresence {
  readonly store: PresenceStore;
  readonly grace: number;
  readonly maxDataSize: number;
  readonly maxChannels: number;
  /** The member's `user` for a connection. */
  readonly userId: (connection: ChannelConnection) => string | undefined;
  /** A name for the next connection, unique across the servers sharing the store. */
  readonly nextHolder: () => string;
  /** The WebSocket frame of a change, encoded once for every watcher. */
  readonly diffFrame: (change: PresenceChange) => Buffer;
}

/** What a session counts for the server. */
export interface SessionCounts {
  terminated: number;
  errorsSent: number;
}

/** The server's settings, as every session uses them. */
export interface SessionSettings {
  readonly broker: Broker;
  /** Set when the socket's first frame must be an `auth` frame that this verifies. */
  readonly authenticateFrame: Authenticate | undefined;
  readonly authTimeout: number;
  readonly authorize: Authorize | undefined;
  readonly rateLimit: RateLimit;
  readonly maxFrameSize: number;
  readonly pingInterval: number;
  readonly pongTimeout: number;
  readonly counts: SessionCounts;
  readonly policy: ClosingPolicy;
  /** The WebSocket frame of a `message` frame, encoded once for every session. */
  readonly messageFrame: (message: BrokerMessage) => Buffer;
  /** Unset when the server does not track presence: its frames are then of an unknown type. */
  readonly presence: SessionPresence | undefined;
}

// Frames a client may send behind its `auth` frame before it is verified.
const MAX_HELD_FRAMES = 256;

/**
 * Serves one accepted channel socket (PROTOCOL.md): its frames, its subscriptions, its liveness.
 * `socket` is the one the upgrade came on, which `ws` writes to: frames are written to it whole
 * (`webSocketFrame`), so that a message encoded once goes to every subscriber as it is. Returns
 * what ends the session (its timers and subscriptions) once the socket has closed.
 */
export function serveChannelSession(
  ws: WebSocket,
  socket: Duplex,
  accepted: ChannelConnection,
  settings: SessionSettings,
): () => void {
  const { broker, authenticateFrame, authTimeout, authorize, rateLimit, maxFrameSize } = settings;
  const { pingInterval, pongTimeout, counts, policy, messageFrame, presence } = settings;
  // With an `auth` frame, the user is known once that frame is verified.
  let user = accepted.user;
  const connection: ChannelConnection = {
    request: accepted.request,
    get user() {
      return user;
    },
  };
  let ended = false;
  let auth: "waiting" | "verifying" | "done" = authenticateFrame === undefined ? "done" : "waiting";
  const held: ClientFrame[] = [];
  const authTimer =
    authenticateFrame === undefined
      ? undefined
      : setTimeout(
          () => policy.close(ws, CLOSE_CODES.notAuthenticated, "no auth frame"),
          authTimeout,
        );
  const limiter = createRateLimiter(rateLimit);
  let warnedThisWindow = false;
  let awaitingPong = false;
  let pongDeadline: ReturnType<typeof setTimeout> | undefined;
  let pingCount = 0;

  // `ws` refuses to send once the closing handshake has begun; so do we.
  const write = (frame: Buffer) => {
    if (ws.readyState === ws.OPEN) socket.write(frame);
  };
  const send = (frame: ServerFrame) => {
    if (ws.readyState !== ws.OPEN) return;
    if (frame.type === "error") counts.errorsSent++;
    socket.write(webSocketFrame(encodeServerFrame(frame)));
  };
  const sendError = (
    code: ChannelErrorCode,
    reason: string,
    about: { frame?: string; channel?: string; ack?: string } = {},
  ) => send({ type: "error", code, reason, ...about });

  const subscriptions = createChannelSubscriptions({
    broker,
    maySubscribe:
      authorize === undefined
        ? undefined
        : (channel) => authorize(connection, "subscribe", channel),
    send,
    write,
    messageFrame,
  });

  const present =
    presence === undefined
      ? undefined
      : createChannelPresence({
          store: presence.store,
          grace: presence.grace,
          maxDataSize: presence.maxDataSize,
          maxChannels: presence.maxChannels,
          holder: presence.nextHolder(),
          user: () => presence.userId(connection),
          mayEnter:
            authorize === undefined
              ? undefined
              : (channel) => authorize(connection, "presence", channel),
          send,
          write,
          diffFrame: presence.diffFrame,
        });

  const publish = async (frame: Extract<ClientFrame, { type: "publish" }>) => {
    const about = { frame: "publish", channel: frame.channel, ...ackOf(frame.ack) };
    if (authorize !== undefined && !(await authorize(connection, "publish", frame.channel))) {
      sendError("forbidden", "you may not publish on this channel", about);
      return;
    }
    try {
      const { id } = await broker.publish(frame.channel, frame.data);
      if (frame.ack !== undefined) send({ type: "ack", ack: frame.ack, id });
    } catch {
      sendError("internal", "the broker failed; the message was not published", about);
    }
  };

  const handle = (frame: ClientFrame) => {
    switch (frame.type) {
      case "subscribe":
        void subscriptions.subscribe(frame.channel, frame.resume);
        return;
      case "unsubscribe":
        subscriptions.unsubscribe(frame.channel);
        return;
      case "publish":
        void publish(frame);
        return;
      case "ping":
        send(frame.nonce === undefined ? { type: "pong" } : { type: "pong", nonce: frame.nonce });
        return;
      case "presence-enter":
      case "presence-leave":
        if (present === undefined) {
          sendError("unknown-type", "this server does not track presence", {
            frame: frame.type,
            channel: frame.channel,
          });
        } else if (frame.type === "presence-enter") {
          present.enter(frame.channel, frame.data, frame.key);
        } else {
          present.leave(frame.channel);
        }
        return;
      case "pong":
      case "auth": // only a first frame authenticates; later ones are ignored
        return;
    }
  };

  /** Serves a frame, or holds it while the socket's `auth` frame is being verified. */
  const admit = (frame: ClientFrame) => {
    if (auth === "done") {
      handle(frame);
    } else if (auth === "verifying") {
      if (held.length < MAX_HELD_FRAMES) held.push(frame);
      else policy.close(ws, 1008, "too many frames before authentication");
    } else {
      clearTimeout(authTimer);
      if (frame.type !== "auth") {
        policy.close(ws, CLOSE_CODES.notAuthenticated, "the first frame must be auth");
        return;
      }
      auth = "verifying";
      Promise.resolve()
        .then(() => authenticateFrame?.(connection.request, frame.token))
        .then(
          (result) => {
            if (ended) return;
            if (result === false) {
              policy.close(ws, CLOSE_CODES.notAuthenticated, "not authenticated");
              return;
            }
            user = result;
            auth = "done";
            for (const waiting of held.splice(0)) handle(waiting);
          },
          () => policy.close(ws, 1011, "authentication failed"),
        );
    }
  };

  const alive = () => {
    awaitingPong = false;
    if (pongDeadline !== undefined) clearTimeout(pongDeadline);
    pongDeadline = undefined;
  };

  ws.on("message", (data, isBinary) => {
    if (policy.condemned(ws)) return;
    alive();
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : data;
    const verdict = limiter();
    if (verdict === "abusive") {
      policy.close(ws, CLOSE_CODES.rateLimited, "rate limit exceeded; slow down");
      return;
    }
    const decoded = decodeClientFrame(bytes, isBinary);
    const ack = decoded.ok && decoded.frame.type === "publish" ? decoded.frame.ack : undefined;
    const about = { ...(decoded.ok ? { frame: decoded.frame.type } : {}), ...ackOf(ack) };
    if (bytes.length > maxFrameSize) {
      sendError("too-large", `a frame may be at most ${maxFrameSize} bytes`, about);
      return;
    }
    if (verdict === "limited") {
      // Every publish waiting for an ack gets its answer (PROTOCOL.md section 4); other
      // frames get one warning per window, so a flood is not answered by a flood.
      if (ack !== undefined || !warnedThisWindow) {
        warnedThisWindow = true;
        sendError("rate-limited", "too many frames; slow down", about);
      }
      return;
    }
    warnedThisWindow = false;
    if (!decoded.ok) {
      const { code, reason, ...rest } = decoded.error;
      sendError(code, reason, rest);
      return;
    }
    admit(decoded.frame);
  });
  ws.on("pong", alive);
  ws.on("error", (error: Error & { code?: string }) => {
    // `ws` has already closed the socket with 1009 for a frame over its hard limit.
    if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") policy.closedByWs(ws);
    ws.terminate();
  });
  send({ type: "limits", messages: rateLimit.messages, per: rateLimit.per, maxFrameSize });

  const pinger = setInterval(() => {
    if (awaitingPong) return;
    awaitingPong = true;
    send({ type: "ping", nonce: String(++pingCount) });
    pongDeadline = setTimeout(() => {
      counts.terminated++;
      ws.terminate();
    }, pongTimeout);
  }, pingInterval);

  return () => {
    ended = true;
    clearInterval(pinger);
    clearTimeout(authTimer);
    if (pongDeadline !== undefined) clearTimeout(pongDeadline);
    subscriptions.close();
    present?.close();
  };
}

const ackOf = (ack: string | undefined): { ack?: string } => (ack === undefined ? {} : { ack });
