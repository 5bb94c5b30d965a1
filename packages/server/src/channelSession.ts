import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { CLOSE_CODES } from "@wirekit/core/protocol";
import type { WebSocket } from "ws";
import { mayAccess, type ResolvedAuth, type Verdict } from "./auth.js";
import type { Broker, BrokerMessage } from "./broker.js";
import { createChannelCredentials } from "./channelCredentials.js";
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

/** Who is connected on one socket. */
export interface ChannelConnection<User = unknown> {
  /** The upgrade request: headers, cookies, remote address. */
  readonly request: IncomingMessage;
  /**
   * Who `authenticate` said this is (`undefined` without it), kept current by in-band
   * refreshes: the one place to read a socket's user.
   */
  readonly user: User;
}

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
  readonly auth: ResolvedAuth;
  /** Milliseconds a socket whose request was refused has to send its `auth` frame. */
  readonly authTimeout: number;
  readonly rateLimit: RateLimit;
  readonly maxFrameSize: number;
  /** Channels a connection may be subscribed to at once. */
  readonly maxSubscriptions: number;
  readonly pingInterval: number;
  readonly pongTimeout: number;
  readonly counts: SessionCounts;
  readonly policy: ClosingPolicy;
  /** The WebSocket frame of a `message` frame, encoded once for every session. */
  readonly messageFrame: (message: BrokerMessage) => Buffer;
  /** Unset when the server does not track presence: its frames are then of an unknown type. */
  readonly presence: SessionPresence | undefined;
}

/**
 * Serves one accepted channel socket (PROTOCOL.md): its credentials, its frames, its
 * subscriptions, its liveness. `socket` is the one the upgrade came on, which `ws` writes to:
 * frames are written to it whole (`webSocketFrame`), so that a message encoded once goes to every
 * subscriber as it is. `verdict` is what the upgrade request's credentials were found to be.
 * Returns who is connected, and what ends the session (its timers and subscriptions) once the
 * socket has closed.
 */
export function serveChannelSession(
  ws: WebSocket,
  socket: Duplex,
  request: IncomingMessage,
  verdict: Verdict,
  settings: SessionSettings,
): { readonly connection: ChannelConnection; readonly end: () => void } {
  const { broker, auth, authTimeout, rateLimit, maxFrameSize } = settings;
  const { pingInterval, pongTimeout, counts, policy, messageFrame, presence } = settings;
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
    maxSubscriptions: settings.maxSubscriptions,
    maySubscribe:
      auth.authorize === undefined
        ? undefined
        : (channel) => mayAccess(auth, credentials.user, channel, "subscribe"),
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
            auth.authorize === undefined
              ? undefined
              : async (channel) => {
                  const access = await mayAccess(auth, credentials.user, channel, "presence");
                  // Presence answers a failed check as it answers a failed store: `internal`.
                  if (access === "failed") throw new Error("authorization failed");
                  return access === "allowed";
                },
          send,
          write,
          diffFrame: presence.diffFrame,
        });

  const publish = async (frame: Extract<ClientFrame, { type: "publish" }>) => {
    const about = { frame: "publish", channel: frame.channel, ...ackOf(frame.ack) };
    // Without `authorize`, no await: publishes reach the broker in the order they came.
    const access =
      auth.authorize === undefined
        ? "allowed"
        : await mayAccess(auth, credentials.user, frame.channel, "publish");
    if (access === "forbidden") {
      sendError("forbidden", "you may not publish on this channel", about);
      return;
    }
    if (access === "failed") {
      sendError("internal", "authorization failed; publish again later", about);
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
      case "auth": // the credentials took it
        return;
    }
  };

  const credentials = createChannelCredentials({
    auth,
    request,
    verdict,
    authTimeout,
    serve: handle,
    send,
    close: (code, reason) => policy.end(ws, code, reason),
  });
  const connection: ChannelConnection = {
    request,
    get user() {
      return credentials.user;
    },
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
    const rate = limiter();
    if (rate === "abusive") {
      policy.close(ws, CLOSE_CODES.rateLimited, "rate limit exceeded; slow down");
      return;
    }
    const decoded = decodeClientFrame(bytes, isBinary);
    const frame = decoded.ok ? decoded.frame : undefined;
    const ack = frame?.type === "publish" ? frame.ack : undefined;
    // A refused subscribe names its channel, so that the client can send it again.
    const channel = frame?.type === "subscribe" ? frame.channel : undefined;
    const about = {
      ...(frame === undefined ? {} : { frame: frame.type }),
      ...ackOf(ack),
      ...(channel === undefined ? {} : { channel }),
    };
    if (bytes.length > maxFrameSize) {
      sendError("too-large", `a frame may be at most ${maxFrameSize} bytes`, about);
      return;
    }
    if (rate === "limited") {
      // Every publish waiting for an ack and every subscribe gets its answer (PROTOCOL.md
      // section 4), as the client sends them again; other frames get one warning per window,
      // so a flood is not answered by a flood (twice the rate closes the socket anyway).
      if (ack !== undefined || channel !== undefined || !warnedThisWindow) {
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
    credentials.admit(decoded.frame);
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

  const end = () => {
    clearInterval(pinger);
    credentials.end();
    if (pongDeadline !== undefined) clearTimeout(pongDeadline);
    subscriptions.close();
    present?.close();
  };
  return { connection, end };
}

const ackOf = (ack: string | undefined): { ack?: string } => (ack === undefined ? {} : { ack });
