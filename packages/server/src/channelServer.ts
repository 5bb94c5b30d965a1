import { createServer, type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { CHANNEL_SUBPROTOCOL, CLOSE_CODES, compareIds } from "@wirekit/core/protocol";
import { type WebSocket, WebSocketServer } from "ws";
import type { Broker, BrokerGap, BrokerMessage } from "./broker.js";
import {
  type ChannelErrorCode,
  type ClientFrame,
  decodeClientFrame,
  encodeServerFrame,
  type ServerFrame,
} from "./channelFrames.js";
import { assertPositive, WirekitServerError } from "./errors.js";
import { type AllowedOrigins, isOriginAllowed } from "./originPolicy.js";
import { createRateLimiter, type RateLimit } from "./rateLimiter.js";

export { CHANNEL_SUBPROTOCOL };

/** Who is connected, as `authenticate` and `authorize` see it. */
export interface ChannelConnection {
  /** The upgrade request: headers, cookies, remote address. */
  readonly request: IncomingMessage;
  /** What `authenticate` returned (`true` when there is no hook). */
  readonly user: unknown;
}

/** Where `authenticate` finds the credentials. */
export type Credentials =
  /** The upgrade request: a cookie, or a header a proxy or a non-browser client set. */
  | "request"
  /**
   * The client's first frame, `{ "type": "auth", "token": "…" }` (PROTOCOL.md section 1): what a
   * browser can send, since it cannot set headers on a WebSocket. Frames that follow it wait
   * until it is verified.
   */
  | "auth-frame";

export interface ChannelServerOptions {
  /** Where messages live. Several servers sharing one broker resume each other's clients. */
  broker: Broker;
  /** An HTTP server to share: its `upgrade` requests at `path` become channel connections. */
  server?: Server;
  /**
   * Without `server`: the port to listen on (0 picks a free one).
   * @default 0
   */
  port?: number;
  /**
   * Without `server`: the interface to listen on.
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * Only upgrades to this path are served. Unset: any path.
   * @default undefined
   */
  path?: string;
  /**
   * Browser origins that may connect; any other `Origin` is refused with 403 at the handshake
   * (a cross-site page could otherwise ride the user's cookies). Requests without `Origin` are
   * not from a browser page and are allowed.
   */
  allowedOrigins: AllowedOrigins;
  /**
   * The largest frame a client may send, in bytes. A larger one is answered with a `too-large`
   * error (with its publish's ack) and the connection goes on; one over four times this is not
   * even read: the socket is closed with 1009. Clients hear it in the `limits` frame.
   * @default 65_536
   */
  maxFrameSize?: number;
  /**
   * Frames per connection. Over the limit, frames are refused with `rate-limited` errors; at
   * twice the limit in one window, the connection is closed with 4429 (the client backs off and
   * comes back). Clients hear it in the `limits` frame and pace themselves.
   * @default { messages: 100, per: 1000 }
   */
  rateLimit?: RateLimit;
  /**
   * Called with the upgrade request (read a cookie or an `Authorization` header; never put
   * tokens in the URL). `false` refuses; anything else accepts, and becomes `user`.
   * @default undefined (everyone is accepted)
   */
  authenticate?: (request: IncomingMessage, token?: string) => Promise<unknown> | unknown;
  /**
   * Where `authenticate` reads credentials from. With `"auth-frame"` it is called with the
   * request and the first frame's `token`; a socket whose first frame is not `auth`, or that
   * sends none within `authTimeout`, is closed with 4401.
   * @default "request"
   */
  credentials?: Credentials;
  /**
   * Milliseconds a socket has to send its `auth` frame, with `credentials: "auth-frame"`.
   * @default 10_000
   */
  authTimeout?: number;
  /**
   * How a refused `authenticate` is answered: `"close"` accepts the socket and closes it with
   * 4401, which browsers can read and the wirekit client treats as "refresh credentials, retry
   * once"; `"handshake"` answers HTTP 401, which browsers only see as a failed connection (1006).
   * @default "close"
   */
  authRefusal?: "close" | "handshake";
  /**
   * May this connection subscribe to or publish on `channel`? `false` answers `forbidden`.
   * @default undefined (everything is allowed)
   */
  authorize?: (
    connection: ChannelConnection,
    action: "subscribe" | "publish",
    channel: string,
  ) => Promise<boolean> | boolean;
  /**
   * Milliseconds between the server's `ping` frames to each client.
   * @default 30_000
   */
  pingInterval?: number;
  /**
   * Milliseconds a client has, after a `ping`, to send anything; a silent one is half-open and
   * is terminated.
   * @default 10_000
   */
  pongTimeout?: number;
}

/** Counters since the server started. */
export interface ChannelServerCounts {
  /** Sockets open now. */
  readonly open: number;
  /** Handshakes accepted. */
  readonly accepted: number;
  /** Handshakes refused: foreign origin, wrong path, failed authentication. */
  readonly refused: number;
  /**
   * Connections closed for breaking the protocol or its limits (1002, 1008, 1009, 4401, 4429),
   * each counted once.
   */
  readonly closedByPolicy: number;
  /** Half-open connections terminated for not answering a ping. */
  readonly terminated: number;
  /** `error` frames sent. */
  readonly errorsSent: number;
}

export interface ChannelServer {
  /** Resolves once the HTTP server listens. */
  readonly ready: Promise<void>;
  /** The address the HTTP server listens on (after `ready`). */
  address(): AddressInfo;
  readonly counts: ChannelServerCounts;
  /**
   * Closes every socket with 1001 (clients reconnect and resume), stops listening to the broker,
   * and closes the HTTP server if this server created it.
   */
  close(): Promise<void>;
}

interface Subscription {
  live: boolean;
  stopped: boolean;
  lastId: string | undefined;
  /** What the broker said while the replay ran, in order: messages and gaps. */
  readonly pending: Array<() => void>;
  unsubscribe(): void;
}

const CLOSE_GRACE = 1000;
// Frames up to this many times `maxFrameSize` are read and refused; larger ones cut the socket.
const OVERSIZE_READ_FACTOR = 4;
// Frames a client may send behind its `auth` frame before it is verified.
const MAX_HELD_FRAMES = 256;

/**
 * The reference server for PROTOCOL.md on `ws`: many channels over one WebSocket, subscriptions
 * resumed from the broker's history, publishes acknowledged with the broker's id, and hostile
 * clients refused or cut with a reason while the others carry on.
 *
 * @example
 * const channels = createChannelServer({ broker, server: httpServer, path: "/channels",
 *   allowedOrigins: ["https://app.example.com"], authenticate: (req) => userFromCookie(req) });
 */
export function createChannelServer(options: ChannelServerOptions): ChannelServer {
  const {
    broker,
    server: sharedServer,
    port = 0,
    host = "127.0.0.1",
    path,
    allowedOrigins,
    maxFrameSize = 64 * 1024,
    rateLimit = { messages: 100, per: 1000 },
    authenticate,
    credentials = "request",
    authTimeout = 10_000,
    authRefusal = "close",
    authorize,
    pingInterval = 30_000,
    pongTimeout = 10_000,
  } = options;
  const where = "createChannelServer";
  assertPositive(where, "maxFrameSize", maxFrameSize);
  assertPositive(where, "rateLimit.messages", rateLimit.messages);
  assertPositive(where, "rateLimit.per", rateLimit.per);
  assertPositive(where, "pingInterval", pingInterval);
  assertPositive(where, "pongTimeout", pongTimeout);
  assertPositive(where, "authTimeout", authTimeout);
  if (credentials !== "request" && credentials !== "auth-frame") {
    throw new WirekitServerError(
      "invalid-option",
      `${where}: \`credentials\` must be "request" or "auth-frame".`,
    );
  }
  const byFrame = credentials === "auth-frame" && authenticate !== undefined;
  if (allowedOrigins !== "*" && !Array.isArray(allowedOrigins)) {
    throw new WirekitServerError(
      "invalid-option",
      `${where}: \`allowedOrigins\` must be a list of origins or "*".`,
    );
  }

  const counts = {
    accepted: 0,
    refused: 0,
    closedByPolicy: 0,
    terminated: 0,
    errorsSent: 0,
  };
  const sockets = new Set<WebSocket>();
  const cleanups = new Set<() => void>();
  let closed = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameSize * OVERSIZE_READ_FACTOR,
    clientTracking: false,
    handleProtocols: (offered) => (offered.has(CHANNEL_SUBPROTOCOL) ? CHANNEL_SUBPROTOCOL : false),
  });

  const http = sharedServer ?? createServer((_request, response) => response.writeHead(426).end());
  const ready =
    sharedServer === undefined
      ? new Promise<void>((resolve, reject) => {
          http.once("error", reject);
          http.listen(port, host, () => {
            http.off("error", reject);
            resolve();
          });
        })
      : http.listening
        ? Promise.resolve()
        : new Promise<void>((resolve) => http.once("listening", () => resolve()));

  const refuseHandshake = (socket: Duplex, status: number, reason: string) => {
    counts.refused++;
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\n` +
          `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
      );
      socket.once("finish", () => socket.destroy());
    } else {
      socket.destroy();
    }
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (path !== undefined && new URL(request.url ?? "/", "http://localhost").pathname !== path) {
      // Another upgrade listener on a shared server may want it.
      if (http.listenerCount("upgrade") === 1) refuseHandshake(socket, 404, "no such endpoint");
      return;
    }
    socket.on("error", () => socket.destroy());
    if (closed) {
      refuseHandshake(socket, 503, "server closing");
      return;
    }
    if (!isOriginAllowed(allowedOrigins, request.headers.origin)) {
      refuseHandshake(socket, 403, "origin not allowed");
      return;
    }
    const accept = (user: unknown, authorized: boolean) => {
      if (closed || socket.destroyed) {
        socket.destroy();
        return;
      }
      if (!authorized && authRefusal === "handshake") {
        refuseHandshake(socket, 401, "not authenticated");
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        counts.accepted++;
        if (!authorized) {
          closeForPolicy(ws, CLOSE_CODES.notAuthenticated, "not authenticated");
          return;
        }
        if (ws.protocol !== CHANNEL_SUBPROTOCOL) {
          // PROTOCOL.md section 1: 1002 tells the client there is no common version; no retry.
          closeForPolicy(ws, 1002, `the ${CHANNEL_SUBPROTOCOL} subprotocol is required`);
          return;
        }
        serve(ws, { request, user });
      });
    };
    if (authenticate === undefined || byFrame) {
      accept(true, true);
      return;
    }
    Promise.resolve()
      .then(() => authenticate(request))
      .then(
        (user) => accept(user, user !== false),
        () => refuseHandshake(socket, 500, "authentication failed"),
      );
  };
  http.on("upgrade", onUpgrade);

  // Sockets being closed for a policy: whatever they send after the verdict is not read.
  const condemned = new WeakSet<WebSocket>();
  const closeForPolicy = (ws: WebSocket, code: number, reason: string) => {
    if (condemned.has(ws)) return;
    condemned.add(ws);
    counts.closedByPolicy++;
    ws.close(code, reason);
    // Stop reading: a flood already in flight costs nothing more, and the kernel's buffers
    // push back on the sender.
    ws.pause();
    const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE);
    timer.unref();
    ws.once("close", () => clearTimeout(timer));
  };

  const serve = (ws: WebSocket, accepted: ChannelConnection) => {
    sockets.add(ws);
    // With `credentials: "auth-frame"`, the user is known once the first frame is verified.
    let user = accepted.user;
    const connection: ChannelConnection = {
      request: accepted.request,
      get user() {
        return user;
      },
    };
    let auth: "waiting" | "verifying" | "done" = byFrame ? "waiting" : "done";
    const held: ClientFrame[] = [];
    const authTimer = byFrame
      ? setTimeout(
          () => closeForPolicy(ws, CLOSE_CODES.notAuthenticated, "no auth frame"),
          authTimeout,
        )
      : undefined;
    const subscriptions = new Map<string, Subscription>();
    const limiter = createRateLimiter(rateLimit);
    let warnedThisWindow = false;
    let awaitingPong = false;
    let pongDeadline: ReturnType<typeof setTimeout> | undefined;
    let pingCount = 0;

    const send = (frame: ServerFrame) => {
      if (ws.readyState !== ws.OPEN) return;
      if (frame.type === "error") counts.errorsSent++;
      ws.send(encodeServerFrame(frame));
    };
    const sendError = (
      code: ChannelErrorCode,
      reason: string,
      about: { frame?: string; channel?: string; ack?: string } = {},
    ) => send({ type: "error", code, reason, ...about });

    const deliver = (subscription: Subscription, message: BrokerMessage) => {
      // PROTOCOL.md section 3: one channel's messages go out in id order, each once.
      if (subscription.lastId !== undefined && compareIds(message.id, subscription.lastId) <= 0) {
        return;
      }
      subscription.lastId = message.id;
      send({ type: "message", channel: message.channel, id: message.id, data: message.data });
    };

    // The broker lost messages this subscription should have heard. PROTOCOL.md section 2: a
    // `subscribed` with `recovered: false` may come at any time; the client moves to `position`
    // and refetches. A gap the replay already covered is no gap for this client.
    const skip = (subscription: Subscription, gap: BrokerGap) => {
      if (subscription.lastId !== undefined && compareIds(gap.position, subscription.lastId) <= 0) {
        return;
      }
      subscription.lastId = gap.position;
      send({ type: "subscribed", channel: gap.channel, recovered: false, position: gap.position });
    };

    const unsubscribe = (channel: string) => {
      const subscription = subscriptions.get(channel);
      if (subscription === undefined) return;
      subscription.stopped = true;
      subscription.unsubscribe();
      subscriptions.delete(channel);
    };

    const subscribe = async (channel: string, resume: string | undefined) => {
      unsubscribe(channel);
      if (authorize !== undefined && !(await authorize(connection, "subscribe", channel))) {
        sendError("forbidden", "you may not subscribe to this channel", {
          frame: "subscribe",
          channel,
        });
        return;
      }
      if (!sockets.has(ws)) return;
      // A second subscribe to the channel while this one was being authorized: the last wins.
      unsubscribe(channel);
      const subscription: Subscription = {
        live: false,
        stopped: false,
        lastId: undefined,
        pending: [],
        unsubscribe: () => {},
      };
      // Listen first, replay second: nothing published in between falls through the crack.
      const hear = (event: () => void) => {
        if (subscription.stopped) return;
        if (subscription.live) event();
        else subscription.pending.push(event);
      };
      subscription.unsubscribe = broker.subscribe(
        channel,
        (message) => hear(() => deliver(subscription, message)),
        { onGap: (gap) => hear(() => skip(subscription, gap)) },
      );
      subscriptions.set(channel, subscription);
      try {
        const [replay, position] = await Promise.all([
          resume === undefined ? undefined : broker.replay(channel, resume),
          broker.position(channel),
        ]);
        if (subscription.stopped) return;
        // PROTOCOL.md section 3: `position` is where this subscription's delivery starts. A
        // complete replay starts at the client's resume point; a fresh subscription, or a gap,
        // starts at the broker's position — a client that stores it can resume even a channel
        // that never had a message.
        const recovered = replay?.complete ?? true;
        const start = replay?.complete === true ? (resume as string) : position;
        send({ type: "subscribed", channel, recovered, position: start });
        subscription.lastId = start;
        for (const message of replay?.complete === true ? replay.messages : []) {
          deliver(subscription, message);
        }
        for (const event of subscription.pending.splice(0)) event();
        subscription.live = true;
      } catch {
        unsubscribe(channel);
        sendError("internal", "the broker failed; subscribe again later", {
          frame: "subscribe",
          channel,
        });
      }
    };

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
          void subscribe(frame.channel, frame.resume);
          return;
        case "unsubscribe":
          unsubscribe(frame.channel);
          return;
        case "publish":
          void publish(frame);
          return;
        case "ping":
          send(frame.nonce === undefined ? { type: "pong" } : { type: "pong", nonce: frame.nonce });
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
        else closeForPolicy(ws, 1008, "too many frames before authentication");
      } else {
        clearTimeout(authTimer);
        if (frame.type !== "auth") {
          closeForPolicy(ws, CLOSE_CODES.notAuthenticated, "the first frame must be auth");
          return;
        }
        auth = "verifying";
        Promise.resolve()
          .then(() => authenticate?.(connection.request, frame.token))
          .then(
            (result) => {
              if (!sockets.has(ws)) return;
              if (result === false) {
                closeForPolicy(ws, CLOSE_CODES.notAuthenticated, "not authenticated");
                return;
              }
              user = result;
              auth = "done";
              for (const waiting of held.splice(0)) handle(waiting);
            },
            () => closeForPolicy(ws, 1011, "authentication failed"),
          );
      }
    };

    const alive = () => {
      awaitingPong = false;
      if (pongDeadline !== undefined) clearTimeout(pongDeadline);
      pongDeadline = undefined;
    };

    ws.on("message", (data, isBinary) => {
      if (condemned.has(ws)) return;
      alive();
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : data instanceof ArrayBuffer
          ? Buffer.from(data)
          : data;
      const verdict = limiter();
      if (verdict === "abusive") {
        closeForPolicy(ws, CLOSE_CODES.rateLimited, "rate limit exceeded; slow down");
        return;
      }
      const decoded = decodeClientFrame(bytes, isBinary);
      if (bytes.length > maxFrameSize) {
        const ack = decoded.ok && decoded.frame.type === "publish" ? decoded.frame.ack : undefined;
        sendError("too-large", `a frame may be at most ${maxFrameSize} bytes`, {
          ...(decoded.ok ? { frame: decoded.frame.type } : {}),
          ...ackOf(ack),
        });
        return;
      }
      if (verdict === "limited") {
        const ack = decoded.ok && decoded.frame.type === "publish" ? decoded.frame.ack : undefined;
        // Every publish waiting for an ack gets its answer (PROTOCOL.md section 4); other
        // frames get one warning per window, so a flood is not answered by a flood.
        if (ack !== undefined || !warnedThisWindow) {
          warnedThisWindow = true;
          sendError("rate-limited", "too many frames; slow down", {
            ...(decoded.ok ? { frame: decoded.frame.type } : {}),
            ...ackOf(ack),
          });
        }
        return;
      }
      warnedThisWindow = false;
      if (!decoded.ok) {
        const { code, reason, ...about } = decoded.error;
        sendError(code, reason, about);
        return;
      }
      admit(decoded.frame);
    });
    ws.on("pong", alive);
    ws.on("error", (error: Error & { code?: string }) => {
      // `ws` has already closed the socket with 1009 for a frame over its hard limit.
      if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" && !condemned.has(ws)) {
        condemned.add(ws);
        counts.closedByPolicy++;
      }
      ws.terminate();
    });
    send({
      type: "limits",
      messages: rateLimit.messages,
      per: rateLimit.per,
      maxFrameSize,
    });

    const pinger = setInterval(() => {
      if (awaitingPong) return;
      awaitingPong = true;
      send({ type: "ping", nonce: String(++pingCount) });
      pongDeadline = setTimeout(() => {
        counts.terminated++;
        ws.terminate();
      }, pongTimeout);
    }, pingInterval);

    const cleanup = () => {
      clearInterval(pinger);
      clearTimeout(authTimer);
      if (pongDeadline !== undefined) clearTimeout(pongDeadline);
      for (const channel of [...subscriptions.keys()]) unsubscribe(channel);
      sockets.delete(ws);
      cleanups.delete(cleanup);
    };
    cleanups.add(cleanup);
    ws.once("close", cleanup);
  };

  return {
    ready,
    address() {
      const address = http.address();
      if (address === null || typeof address === "string") {
        throw new WirekitServerError(
          "closed",
          "ChannelServer.address: the server is not listening on TCP.",
        );
      }
      return address;
    },
    get counts(): ChannelServerCounts {
      return { open: sockets.size, ...counts };
    },
    async close() {
      if (closed) return;
      closed = true;
      http.off("upgrade", onUpgrade);
      const closing = [...sockets].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once("close", () => resolve());
            ws.close(1001, "server going away");
            const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE);
            timer.unref();
          }),
      );
      await Promise.all(closing);
      for (const cleanup of [...cleanups]) cleanup();
      wss.close();
      if (sharedServer === undefined && http.listening) {
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
      }
    },
  };
}

const ackOf = (ack: string | undefined): { ack?: string } => (ack === undefined ? {} : { ack });
