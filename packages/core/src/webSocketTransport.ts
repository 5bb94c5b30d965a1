import { ConnectionError } from "./errors.js";
import type { Heartbeat } from "./heartbeat.js";
import { Outbox } from "./outbox.js";
import { retryByCloseCode } from "./retry.js";
import type { Transport, TransportCallbacks, TransportSession } from "./transport.js";

// Bundlers replace `process.env.NODE_ENV`; the `typeof` keeps unbundled browser modules working
// (`=== "object"`: esbuild drops that whole from a production bundle; `!== "undefined"` it keeps).
declare const process: { env: { NODE_ENV?: string } };

/** The part of the WebSocket API the transport uses: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
}

/**
 * A WebSocket class: the browser's, `ws`'s, or a test double. Typed loosely on purpose: their
 * typings differ (`ws` overloads `addEventListener` per event name) while their behaviour agrees.
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object;

export interface WebSocketTransportOptions {
  url: string;
  /** Subprotocols to offer. */
  protocols?: string | string[];
  /**
   * How binary frames arrive.
   * @default "arraybuffer"
   */
  binaryType?: "arraybuffer" | "blob";
  /**
   * The WebSocket class: `ws`'s in Node before 22, a test double in tests.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Pings with a deadline for an answer, made by `heartbeat({ interval, deadline, message })`.
   * Off unless given: the server must answer the ping message (wirekit's channel protocol does).
   */
  heartbeat?: Heartbeat | undefined;
}

const OPEN = 1;

/** A transport over WebSocket: text and binary frames, both ways. */
export function webSocketTransport(options: WebSocketTransportOptions): Transport {
  const { url, protocols, binaryType = "arraybuffer", heartbeat } = options;
  if (
    typeof process === "object" &&
    process.env.NODE_ENV !== "production" &&
    heartbeat !== undefined &&
    typeof heartbeat.probe !== "function"
  ) {
    throw new TypeError(
      "wirekit: `heartbeat` takes what heartbeat({ interval, deadline, message }) from @wirekit/core returns.",
    );
  }
  return {
    outbox: (outboxOptions) => new Outbox(outboxOptions),
    probe: heartbeat?.probe,
    shouldRetry: retryByCloseCode,
    open(callbacks: TransportCallbacks): TransportSession {
      const WebSocketImpl =
        options.WebSocket ??
        (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
        missingWebSocket();
      let live = true;
      // A malformed URL or a forbidden port throws here: the connection fails the attempt.
      const socket = new WebSocketImpl(url, protocols) as WebSocketLike;
      socket.binaryType = binaryType;
      const listeners = {
        open() {
          callbacks.onActivity();
          callbacks.onOpen();
        },
        message(event: { data: unknown }) {
          callbacks.onActivity();
          callbacks.onMessage({ data: event.data });
        },
        close({ code, reason }: { code: number; reason: string }) {
          live = false;
          callbacks.onClose(
            new ConnectionError("closed", `The WebSocket closed (${code} ${reason}).`, {
              closeCode: code,
              closeReason: reason,
            }),
          );
        },
        // An `error` event is always followed by `close`, which carries the code. It still needs
        // a listener: `ws` (Node) throws an error event nobody listens to.
        error() {},
      };
      for (const [type, listener] of Object.entries(listeners)) {
        socket.addEventListener(type, (event: never) => live && listener(event));
      }
      return {
        send(data) {
          if (socket.readyState !== OPEN) {
            throw new ConnectionError("network", "The WebSocket is not open.");
          }
          socket.send(data);
        },
        close() {
          live = false;
          try {
            socket.close(1000);
          } catch {
            // Closing a socket that never opened may throw in some implementations; it is gone either way.
          }
        },
      };
    },
  };
}

function missingWebSocket(): never {
  throw new TypeError("wirekit: no WebSocket here; pass one (`ws`'s in Node) as `WebSocket`.");
}
