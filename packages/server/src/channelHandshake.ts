import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { CHANNEL_SUBPROTOCOL, CLOSE_CODES } from "@wirekit/core/protocol";
import type { WebSocket, WebSocketServer } from "ws";
import type { Authenticate, ChannelConnection } from "./channelSession.js";
import { type AllowedOrigins, isOriginAllowed } from "./originPolicy.js";
import type { ClosingPolicy } from "./socketClosing.js";

/** What the handshake counts for the server. */
export interface HandshakeCounts {
  accepted: number;
  refused: number;
}

/** The server's settings, as the handshake uses them. */
export interface HandshakeSettings {
  /** The HTTP server whose `upgrade` requests these are. */
  readonly http: Server;
  readonly wss: WebSocketServer;
  readonly path: string | undefined;
  readonly allowedOrigins: AllowedOrigins;
  /** Set when the upgrade request itself is authenticated (credentials: "request"). */
  readonly authenticateRequest: Authenticate | undefined;
  readonly authRefusal: "close" | "handshake";
  readonly counts: HandshakeCounts;
  readonly policy: ClosingPolicy;
  /** Whether the server is closing: new connections are refused with 503. */
  readonly closing: () => boolean;
  /** Serves an accepted socket; `socket` is the one the upgrade came on. */
  readonly serve: (ws: WebSocket, socket: Duplex, connection: ChannelConnection) => void;
}

/**
 * The `upgrade` listener: the path, the origin (a cross-site page could otherwise ride the
 * user's cookies), authentication of the request, the subprotocol; a socket that passes them all
 * is served.
 */
export function createUpgradeListener(
  settings: HandshakeSettings,
): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { http, wss, path, allowedOrigins, authenticateRequest, authRefusal } = settings;
  const { counts, policy, closing, serve } = settings;

  const refuse = (socket: Duplex, status: number, reason: string) => {
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

  return (request, socket, head) => {
    if (path !== undefined && new URL(request.url ?? "/", "http://localhost").pathname !== path) {
      // Another upgrade listener on a shared server may want it.
      if (http.listenerCount("upgrade") === 1) refuse(socket, 404, "no such endpoint");
      return;
    }
    socket.on("error", () => socket.destroy());
    if (closing()) {
      refuse(socket, 503, "server closing");
      return;
    }
    if (!isOriginAllowed(allowedOrigins, request.headers.origin)) {
      refuse(socket, 403, "origin not allowed");
      return;
    }
    const accept = (user: unknown, authorized: boolean) => {
      if (closing() || socket.destroyed) {
        socket.destroy();
        return;
      }
      if (!authorized && authRefusal === "handshake") {
        refuse(socket, 401, "not authenticated");
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        counts.accepted++;
        if (!authorized) {
          policy.close(ws, CLOSE_CODES.notAuthenticated, "not authenticated");
          return;
        }
        if (ws.protocol !== CHANNEL_SUBPROTOCOL) {
          // PROTOCOL.md section 1: 1002 tells the client there is no common version; no retry.
          policy.close(ws, 1002, `the ${CHANNEL_SUBPROTOCOL} subprotocol is required`);
          return;
        }
        serve(ws, socket, { request, user });
      });
    };
    if (authenticateRequest === undefined) {
      accept(true, true);
      return;
    }
    Promise.resolve()
      .then(() => authenticateRequest(request))
      .then(
        (user) => accept(user, user !== false),
        () => refuse(socket, 500, "authentication failed"),
      );
  };
}
