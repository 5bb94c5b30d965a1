import type { WebSocket } from "ws";

/** Milliseconds a socket has to finish its closing handshake before it is cut. */
const CLOSE_GRACE = 1000;

/**
 * Closes `ws` with `code`, and cuts it if the client has not answered within a second: a client
 * that never completes the closing handshake must not hold the socket.
 */
export function closeWithin(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, closeReason(reason));
  const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE);
  timer.unref();
  ws.once("close", () => clearTimeout(timer));
}

// RFC 6455 section 5.5: a close frame's payload is at most 125 bytes, 2 of them the code; `ws`
// throws on a longer reason, and reasons may come from the app's `authenticate`.
const MAX_REASON_BYTES = 123;

/** `reason`, cut at a character boundary to fit a close frame. */
function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  let cut = reason.slice(0, MAX_REASON_BYTES);
  while (Buffer.byteLength(`${cut}…`) > MAX_REASON_BYTES) cut = cut.slice(0, -1);
  // A lone high surrogate left at the end would not encode.
  return `${cut.replace(/[\uD800-\uDBFF]$/, "")}…`;
}

/** What `createClosingPolicy` counts. */
export interface ClosingCounts {
  closedByPolicy: number;
}

/** Closes the sockets that broke the protocol or its limits, each once. */
export interface ClosingPolicy {
  /**
   * Closes `ws` with `code` and stops reading it: a flood already in flight costs nothing more,
   * and the kernel's buffers push back on the sender.
   */
  close(ws: WebSocket, code: number, reason: string): void;
  /**
   * Closes `ws` with `code` for a reason that is no abuse (credentials refused or expired): what
   * it sends is no longer served, but it is still read, so its closing handshake completes at
   * once and the client comes back with fresh credentials without waiting out the grace.
   */
  end(ws: WebSocket, code: number, reason: string): void;
  /** Counts `ws` as closed for a policy that `ws` enforced itself (a frame over `maxPayload`). */
  closedByWs(ws: WebSocket): void;
  /** Whether a verdict is out on `ws`: whatever it sends after that is not read. */
  condemned(ws: WebSocket): boolean;
}

export function createClosingPolicy(counts: ClosingCounts): ClosingPolicy {
  const condemned = new WeakSet<WebSocket>();
  const condemn = (ws: WebSocket): boolean => {
    if (condemned.has(ws)) return false;
    condemned.add(ws);
    counts.closedByPolicy++;
    return true;
  };
  return {
    close(ws, code, reason) {
      if (!condemn(ws)) return;
      closeWithin(ws, code, reason);
      ws.pause();
    },
    end(ws, code, reason) {
      if (condemn(ws)) closeWithin(ws, code, reason);
    },
    closedByWs(ws) {
      condemn(ws);
    },
    condemned: (ws) => condemned.has(ws),
  };
}
