import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { CHANNEL_SUBPROTOCOL, CLOSE_CODES } from "@wirekit/core/protocol";
import type { WebSocket, WebSocketServer } from "ws";
import {
  bearerToken,
  credentialsInUrl,
  type ResolvedAuth,
  type Verdict,
  verifyCredentials,
} from "./auth.js";
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
  readonly auth: ResolvedAuth;
  readonly counts: HandshakeCounts;
  readonly policy: ClosingPolicy;
  /** Whether the server is closing: new connections are refused with 503. */
  readonly closing: () => boolean;
  /**
   * Serves an accepted socket; `socket` is the one the upgrade came on, `verdict` what its
   * request's own credentials were found to be (a 401 waits for an `auth` frame).
   */
  readonly serve: (
    ws: WebSocket,
    socket: Duplex,
    request: IncomingMessage,
    verdict: Verdict,
  ) => void;
}

/**
 * The `upgrade` listener: the path, the origin (a cross-site page could otherwise ride the
 * user's cookies), the request's credentials, the subprotocol; a socket that passes them all is
 * served. Refusals of credentials are close codes rather than HTTP statuses: a browser reads a
 * close code, while a failed handshake is only a 1006 to it.
 */
export function createUpgradeListener(
  settings: HandshakeSettings,
): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { http, wss, path, allowedOrigins, auth } = settings;
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
    const upgrade = (then: (ws: WebSocket) => void) => {
      if (closing() || socket.destroyed) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        counts.accepted++;
        then(ws);
      });
    };
    const inUrl = auth.authenticate === undefined ? undefined : credentialsInUrl(request);
    if (inUrl !== undefined) {
      // Never read, and said so (PROTOCOL.md section 1a).
      upgrade((ws) => policy.close(ws, CLOSE_CODES.badRequest, inUrl));
      return;
    }
    void verifyCredentials(auth, request, bearerToken(request)).then((verdict) =>
      upgrade((ws) => {
        if (!verdict.ok && verdict.status !== 401) {
          const code = verdict.status === 403 ? CLOSE_CODES.forbidden : 1011;
          policy.end(ws, code, verdict.reason);
        } else if (ws.protocol !== CHANNEL_SUBPROTOCOL) {
          // PROTOCOL.md section 1: 1002 tells the client there is no common version; no retry.
          policy.close(ws, 1002, `the ${CHANNEL_SUBPROTOCOL} subprotocol is required`);
        } else {
          // Refused for want of credentials (401), it may still send them in an `auth` frame.
          serve(ws, socket, request, verdict);
        }
      }),
    );
  };
}
