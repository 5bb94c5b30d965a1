import {
  toPayload,
  type WebSocketClientEnd,
  type WebSocketPayload,
  type WebSocketRequest,
} from "./fakeWebSocket.js";

/** How a WebSocket connection ended, as the server saw it. */
export interface FakeCloseInfo {
  /** 1005 when the close frame had no code; 1006 when the connection died without one. */
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** The server's end of one WebSocket connection, handed to `server.onConnection` handlers. */
export interface FakeServerSocket {
  /** The URL the client opened. */
  readonly url: string;
  /** The subprotocols the client offered, in order. */
  readonly protocols: readonly string[];
  /** The subprotocol the server picked; "" for none. */
  readonly protocol: string;
  /** Headers the client passed as `new server.WebSocket(url, { headers })`; `{}` from browsers. */
  readonly headers: Readonly<Record<string, string>>;
  /** True once the connection is over, however it ended. */
  readonly closed: boolean;
  /** Sends a message to the client; bytes (garbage included) arrive as a binary message. */
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  /** Calls `listener` with each message from the client, as it arrives. Returns an unsubscribe. */
  onMessage(listener: (data: string | Uint8Array<ArrayBuffer>) => void): () => void;
  /** Calls `listener` once the connection is over. Returns an unsubscribe. */
  onClose(listener: (info: FakeCloseInfo) => void): () => void;
  /**
   * Closes cleanly: the client gets `close` with `code` and `reason`, `wasClean` true, after what
   * was sent before. Without a code the client sees 1005, as with an empty close frame.
   */
  close(code?: number, reason?: string): void;
  /**
   * Kills this connection without a close frame: what is in flight is lost, the client sees
   * 1006 (after `error` too, when the handshake was still held).
   */
  drop(): void;
  /**
   * Leaves the handshake unanswered, as a server that accepts the TCP connection and never
   * upgrades it: the client stays CONNECTING. Call the returned function to answer, or `send`,
   * `close` or `drop`. Only from inside the `onConnection` handler.
   */
  hold(): () => void;
}

/** What a connection needs from its server. */
export interface ServerSocketWiring {
  /** Runs `arrive` once the latency has passed. */
  deliver(arrive: () => void): void;
  received(data: WebSocketPayload): void;
  closed(): void;
}

/**
 * The implementation, with the methods the server calls: `handled` once the `onConnection`
 * handlers have returned, and `receive…` as the client's frames arrive.
 */
export class ServerSocket implements FakeServerSocket {
  readonly url: string;
  readonly protocols: readonly string[];
  readonly protocol: string;
  readonly headers: Readonly<Record<string, string>>;
  #answered = false;
  #held = false;
  #closed = false;
  #dropped = false;
  readonly #client: WebSocketClientEnd;
  readonly #wiring: ServerSocketWiring;
  readonly #messageListeners = new Set<(data: WebSocketPayload) => void>();
  readonly #closeListeners = new Set<(info: FakeCloseInfo) => void>();

  constructor(
    request: WebSocketRequest,
    protocol: string,
    client: WebSocketClientEnd,
    wiring: ServerSocketWiring,
  ) {
    this.url = request.url;
    this.protocols = request.protocols;
    this.headers = request.headers;
    this.protocol = protocol;
    this.#client = client;
    this.#wiring = wiring;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.#closed) return;
    const payload = toPayload(data);
    this.#answer();
    this.#toClient((client) => client.message(payload));
  }

  onMessage(listener: (data: WebSocketPayload) => void): () => void {
    this.#messageListeners.add(listener);
    return () => {
      this.#messageListeners.delete(listener);
    };
  }

  onClose(listener: (info: FakeCloseInfo) => void): () => void {
    this.#closeListeners.add(listener);
    return () => {
      this.#closeListeners.delete(listener);
    };
  }

  close(code?: number, reason = ""): void {
    if (code !== undefined && !isSendableCloseCode(code)) {
      throw new RangeError(
        `FakeServerSocket.close: ${code} cannot go in a close frame; use drop() for an abnormal closure.`,
      );
    }
    if (this.#closed) return;
    const sent = code ?? (reason === "" ? 1005 : 1000);
    this.#answer();
    this.#end({ code: sent, reason, wasClean: true });
    this.#toClient((client) => client.close(sent, reason, true));
  }

  drop(): void {
    if (this.#closed) return;
    this.#dropped = true;
    const answered = this.#answered;
    this.#end({ code: 1006, reason: "", wasClean: false });
    this.#wiring.deliver(() => {
      if (answered) this.#client.close(1006, "", false);
      else this.#client.fail();
    });
  }

  hold(): () => void {
    if (!this.#answered) this.#held = true;
    return () => this.#answer();
  }

  handled(): void {
    if (!this.#held) this.#answer();
  }

  receiveMessage(data: WebSocketPayload): void {
    if (this.#closed) return;
    this.#wiring.received(data);
    for (const listener of [...this.#messageListeners]) listener(data);
  }

  receiveClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#end({ code, reason, wasClean: true });
    // The echo that completes the closing handshake (RFC 6455 5.5.1).
    this.#toClient((client) => client.close(code, reason, true));
  }

  receiveAbort(): void {
    if (this.#closed) return;
    this.#end({ code: 1006, reason: "", wasClean: false });
  }

  #answer(): void {
    if (this.#answered || this.#closed) return;
    this.#answered = true;
    const protocol = this.protocol;
    this.#toClient((client) => client.open(protocol));
  }

  #toClient(arrive: (client: WebSocketClientEnd) => void): void {
    // What was in flight when the connection was dropped never arrives.
    this.#wiring.deliver(() => {
      if (!this.#dropped) arrive(this.#client);
    });
  }

  #end(info: FakeCloseInfo): void {
    this.#closed = true;
    this.#wiring.closed();
    for (const listener of [...this.#closeListeners]) listener(info);
  }
}

/** 1005, 1006 and 1015 are reserved for reporting and never sent (RFC 6455 7.4.1); nor is 1004. */
function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    code >= 1000 &&
    code <= 4999 &&
    code !== 1004 &&
    code !== 1005 &&
    code !== 1006 &&
    code !== 1015
  );
}
