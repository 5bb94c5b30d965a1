import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CHANNEL_SUBPROTOCOL } from "@wirekit/core/protocol";
import { type WebSocket, WebSocketServer } from "ws";
import { type ResolvedAuth, resolveAuth, type ServerAuth } from "./auth.js";
import type { Broker, BrokerMessage } from "./broker.js";
import { encodeServerFrame } from "./channelFrames.js";
import { createUpgradeListener } from "./channelHandshake.js";
import {
  type ChannelConnection,
  type SessionSettings,
  serveChannelSession,
} from "./channelSession.js";
import { encodeOnce } from "./encodeOnce.js";
import { assertPositive, WirekitServerError } from "./errors.js";
import type { AllowedOrigins } from "./originPolicy.js";
import { type PresenceOptions, sessionPresence } from "./presenceOptions.js";
import type { RateLimit } from "./rateLimiter.js";
import { closeWithin, createClosingPolicy } from "./socketClosing.js";
import { webSocketFrame } from "./webSocketFrame.js";

export type { ChannelConnection };
export { CHANNEL_SUBPROTOCOL };

export interface ChannelServerOptions<User = unknown> {
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
   * Channels one connection may be subscribed to at once; one more is refused with `too-many`.
   * Each holds a listener and its name (up to `maxFrameSize`) for as long as it lasts: without
   * a bound, one client could grow the server's memory until it fell over for everyone.
   * @default 1_000
   */
  maxSubscriptions?: number;
  /**
   * Who may connect, until when, and to which channels: the same `ServerAuth` the event-stream
   * handler takes. The upgrade request is authenticated first (its cookies, an `Authorization:
   * Bearer` header); refused for want of credentials, the socket must send an `auth` frame
   * first, within `authTimeout`. Later `auth` frames refresh the credentials in band, and
   * credentials that expire unrefreshed close the socket with 4440 (PROTOCOL.md section 1a).
   * @default undefined (everyone is accepted, and may do anything)
   */
  auth?: ServerAuth<User>;
  /**
   * Milliseconds a socket whose upgrade request carried no good credentials has to send its
   * `auth` frame before it is closed with 4401 (on the auth clock).
   * @default 10_000
   */
  authTimeout?: number;
  /**
   * Presence (PROTOCOL.md section 11): who is connected to each channel, with data each client
   * sets, snapshots and diffs, a grace on disconnect. `false` turns it off: presence frames are
   * then answered as of an unknown type.
   * @default {} (on, in the broker's presence store)
   */
  presence?: PresenceOptions | false;
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
  /** Handshakes refused: foreign origin, wrong path, a server closing. */
  readonly refused: number;
  /**
   * Connections closed for breaking the protocol or its limits, or refused or expired
   * credentials (1002, 1008, 1009, 4400, 4401, 4403, 4429, 4440), each counted once.
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

// Frames up to this many times `maxFrameSize` are read and refused; larger ones cut the socket.
const OVERSIZE_READ_FACTOR = 4;

/**
 * The reference server for PROTOCOL.md on `ws`: many channels over one WebSocket, subscriptions
 * resumed from the broker's history, publishes acknowledged with the broker's id, and hostile
 * clients refused or cut with a reason while the others carry on.
 *
 * @example
 * const channels = createChannelServer({ broker, server: httpServer, path: "/channels",
 *   allowedOrigins: ["https://app.example.com"], auth }); // the event-stream handler's `auth` too
 */
export function createChannelServer<User = unknown>(
  options: ChannelServerOptions<User>,
): ChannelServer {
  const {
    broker,
    server: sharedServer,
    port = 0,
    host = "127.0.0.1",
    path,
    allowedOrigins,
    maxFrameSize = 64 * 1024,
    rateLimit = { messages: 100, per: 1000 },
    maxSubscriptions = 1000,
    authTimeout = 10_000,
    pingInterval = 30_000,
    pongTimeout = 10_000,
    presence = {},
  } = options;
  const where = "createChannelServer";
  assertPositive(where, "maxFrameSize", maxFrameSize);
  assertPositive(where, "rateLimit.messages", rateLimit.messages);
  assertPositive(where, "rateLimit.per", rateLimit.per);
  assertPositive(where, "maxSubscriptions", maxSubscriptions);
  assertPositive(where, "pingInterval", pingInterval);
  assertPositive(where, "pongTimeout", pongTimeout);
  assertPositive(where, "authTimeout", authTimeout);
  // Sessions only pass the user along: they need not know its type.
  const auth = resolveAuth(where, options, options.auth) as ResolvedAuth;
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
  const policy = createClosingPolicy(counts);
  // Each open socket, with what ends its session.
  const sessions = new Map<WebSocket, () => void>();
  let closed = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameSize * OVERSIZE_READ_FACTOR,
    clientTracking: false,
    // Compressed per socket, a message could not be encoded once for all its subscribers.
    perMessageDeflate: false,
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

  const sessionSettings: SessionSettings = {
    broker,
    auth,
    authTimeout,
    rateLimit,
    maxFrameSize,
    maxSubscriptions,
    pingInterval,
    pongTimeout,
    counts,
    policy,
    // Every subscriber of a channel gets the same bytes for a message: one encoding for them all.
    messageFrame: encodeOnce(({ channel, id, data }: BrokerMessage) =>
      webSocketFrame(encodeServerFrame({ type: "message", channel, id, data })),
    ),
    presence: sessionPresence(presence, broker),
  };
  const onUpgrade = createUpgradeListener({
    http,
    wss,
    path,
    allowedOrigins,
    auth,
    counts,
    policy,
    closing: () => closed,
    serve: (ws, socket, request, verdict) => {
      const { end } = serveChannelSession(ws, socket, request, verdict, sessionSettings);
      sessions.set(ws, end);
      ws.once("close", () => {
        end();
        sessions.delete(ws);
      });
    },
  });
  http.on("upgrade", onUpgrade);

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
      return { open: sessions.size, ...counts };
    },
    async close() {
      if (closed) return;
      closed = true;
      http.off("upgrade", onUpgrade);
      await Promise.all(
        [...sessions.keys()].map(
          (ws) =>
            new Promise<void>((resolve) => {
              ws.once("close", () => resolve());
              closeWithin(ws, 1001, "server going away");
            }),
        ),
      );
      for (const end of sessions.values()) end();
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
