import type { Clock } from "@wirekit/core";
import { domException } from "./domException.js";
import {
  type FakeCloseEvent,
  type FakeEvent,
  type FakeEventHandler,
  FakeEventTarget,
  type FakeMessageEvent,
} from "./fakeEventTarget.js";

/** A frame's content on the fake wire: text, or bytes copied when they were sent. */
export type WebSocketPayload = string | Uint8Array<ArrayBuffer>;

/** What a client asked for when it opened a WebSocket. */
export interface WebSocketRequest {
  readonly url: string;
  readonly protocols: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
}

/** The client's end of a connection: the server calls it as its frames arrive. */
export interface WebSocketClientEnd {
  open(protocol: string): void;
  message(data: WebSocketPayload): void;
  close(code: number, reason: string, wasClean: boolean): void;
  /** The handshake failed: `error`, then `close` 1006. */
  fail(): void;
}

/** The way to the server: the client calls it as it sends, and the server adds the latency. */
export interface WebSocketServerEnd {
  send(data: WebSocketPayload): void;
  close(code: number, reason: string): void;
  /** The client gave up on the connection without a closing handshake. */
  abort(): void;
}

/** How a `FakeWebSocket` class reaches its server; `createFakeServer` makes one. */
export interface WebSocketConnector {
  readonly clock: Clock;
  connect(request: WebSocketRequest, client: WebSocketClientEnd): WebSocketServerEnd;
}

/** The second argument of the constructor as Node's built-in `WebSocket` takes it. */
export interface FakeWebSocketInit {
  protocols?: string | string[];
  /** Handshake headers, visible to the server as `socket.headers` (browsers cannot send any). */
  headers?: Readonly<Record<string, string>>;
}

export interface FakeWebSocketEventMap {
  open: FakeEvent;
  message: FakeMessageEvent<string | ArrayBuffer | Blob>;
  error: FakeEvent;
  close: FakeCloseEvent;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

// RFC 6455 4.1: a subprotocol is an HTTP token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The WHATWG `WebSocket`, talking to a fake server. Construct it through a server, as
 * `new server.WebSocket(url, protocols)`: everything then happens when the server's clock moves.
 */
export class FakeWebSocket extends FakeEventTarget<FakeWebSocketEventMap, FakeEvent> {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  /** Set on the classes a server hands out; a bare `FakeWebSocket` has nowhere to connect. */
  protected static readonly connector: WebSocketConnector | undefined;

  readonly url: string;
  readonly extensions = "";
  readonly bufferedAmount = 0;
  #readyState: ReadyState = CONNECTING;
  #protocol = "";
  #binaryType: "blob" | "arraybuffer" = "blob";
  readonly #clock: Clock;
  readonly #server: WebSocketServerEnd;

  constructor(url: string | URL, protocols?: string | string[] | FakeWebSocketInit) {
    super();
    const connector = (new.target as typeof FakeWebSocket).connector;
    if (connector === undefined) {
      throw new TypeError(
        "FakeWebSocket: construct it through a server, `new server.WebSocket(url)`, with a server from createFakeServer().",
      );
    }
    this.url = parseUrl(url);
    const init: FakeWebSocketInit =
      protocols === undefined || (typeof protocols === "object" && !Array.isArray(protocols))
        ? { ...protocols }
        : { protocols };
    const origin = new URL(this.url).origin;
    this.#clock = connector.clock;
    this.#server = connector.connect(
      { url: this.url, protocols: toProtocolList(init.protocols), headers: { ...init.headers } },
      {
        open: (protocol) => {
          if (this.#readyState !== CONNECTING) return;
          this.#protocol = protocol;
          this.#readyState = OPEN;
          this.fire("open");
        },
        message: (data) => {
          if (this.#readyState !== OPEN) return;
          this.fire("message", { data: this.#decode(data), origin, lastEventId: "" });
        },
        close: (code, reason, wasClean) => this.#closed(code, reason, wasClean, false),
        fail: () => this.#closed(1006, "", false, true),
      },
    );
  }

  /** `CONNECTING` (0), `OPEN` (1), `CLOSING` (2) or `CLOSED` (3). */
  get readyState(): ReadyState {
    return this.#readyState;
  }

  /** The subprotocol the server picked, once open; "" for none. */
  get protocol(): string {
    return this.#protocol;
  }

  /** How binary messages arrive: as a `Blob` (where `Blob` exists) or an `ArrayBuffer`. */
  get binaryType(): "blob" | "arraybuffer" {
    return this.#binaryType;
  }
  set binaryType(value: "blob" | "arraybuffer") {
    // An enumerated attribute ignores values outside its enumeration (WebIDL).
    if (value === "blob" || value === "arraybuffer") this.#binaryType = value;
  }

  get onopen(): FakeEventHandler<FakeEvent> {
    return this.getHandler("open");
  }
  set onopen(handler: FakeEventHandler<FakeEvent>) {
    this.setHandler("open", handler);
  }
  get onmessage(): FakeEventHandler<FakeWebSocketEventMap["message"]> {
    return this.getHandler("message");
  }
  set onmessage(handler: FakeEventHandler<FakeWebSocketEventMap["message"]>) {
    this.setHandler("message", handler);
  }
  get onerror(): FakeEventHandler<FakeEvent> {
    return this.getHandler("error");
  }
  set onerror(handler: FakeEventHandler<FakeEvent>) {
    this.setHandler("error", handler);
  }
  get onclose(): FakeEventHandler<FakeCloseEvent> {
    return this.getHandler("close");
  }
  set onclose(handler: FakeEventHandler<FakeCloseEvent>) {
    this.setHandler("close", handler);
  }

  /**
   * Sends a message; it reaches the server after the latency. Throws an `InvalidStateError`
   * while CONNECTING; once CLOSING or CLOSED the data is dropped, as browsers do. A `Blob` throws
   * a `TypeError`: its bytes can only be read asynchronously, off the clock.
   */
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    if (this.#readyState === CONNECTING) {
      throw domException(
        "InvalidStateError",
        "FakeWebSocket.send: the socket is still CONNECTING; wait for `open`.",
      );
    }
    if (this.#readyState !== OPEN) return;
    this.#server.send(toPayload(data));
  }

  /**
   * Starts the closing handshake: CLOSING now, CLOSED with `wasClean` true once the server echoes
   * it. `code` must be 1000 or 3000–4999 and `reason` at most 123 UTF-8 bytes, as in browsers.
   */
  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw domException(
        "InvalidAccessError",
        `FakeWebSocket.close: the code must be 1000 or 3000–4999, not ${code}.`,
      );
    }
    if (reason !== undefined && new TextEncoder().encode(reason).length > 123) {
      throw domException("SyntaxError", "FakeWebSocket.close: the reason is over 123 bytes.");
    }
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    if (this.#readyState === CONNECTING) {
      // Closing before the handshake ends fails the connection (WHATWG WebSockets, close()).
      this.#readyState = CLOSING;
      this.#server.abort();
      this.#clock.setTimeout(() => this.#closed(1006, "", false, true), 0);
      return;
    }
    this.#readyState = CLOSING;
    // A reason needs a code in the close frame; browsers send 1000 then, and no body at all when
    // neither is given, which the other side reports as 1005.
    const reasonText = reason ?? "";
    this.#server.close(code ?? (reasonText === "" ? 1005 : 1000), reasonText);
  }

  #closed(code: number, reason: string, wasClean: boolean, failed: boolean): void {
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSED;
    if (failed) this.fire("error");
    this.fire("close", { code, reason, wasClean });
  }

  #decode(data: WebSocketPayload): string | ArrayBuffer | Blob {
    if (typeof data === "string") return data;
    if (this.#binaryType === "blob" && typeof Blob === "function") return new Blob([data]);
    // The payload is a private copy, made when it was sent.
    return data.buffer;
  }
}

/** Copies what `send` was given, so changing the buffer afterwards changes nothing on the wire. */
export function toPayload(data: string | ArrayBuffer | ArrayBufferView | Blob): WebSocketPayload {
  if (typeof data === "string") return data;
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (typeof Blob === "function" && data instanceof Blob) {
    throw new TypeError(
      "FakeWebSocket: sending a Blob is not supported (it is read asynchronously); send an ArrayBuffer or a typed array.",
    );
  }
  // Anything else is sent as its string, as browsers convert it.
  return String(data);
}

function parseUrl(url: string | URL): string {
  // Relative URLs resolve against the document, as in browsers; outside one they cannot.
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    throw domException(
      "SyntaxError",
      `FakeWebSocket: cannot parse the URL ${JSON.stringify(String(url))}.`,
    );
  }
  if (parsed.protocol === "http:") parsed.protocol = "ws:";
  else if (parsed.protocol === "https:") parsed.protocol = "wss:";
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw domException("SyntaxError", `FakeWebSocket: ${parsed.protocol} is not a WebSocket URL.`);
  }
  if (parsed.href.includes("#")) {
    throw domException("SyntaxError", "FakeWebSocket: a WebSocket URL cannot have a fragment.");
  }
  return parsed.href;
}

function toProtocolList(protocols: string | string[] | undefined): string[] {
  const list =
    protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : [...protocols];
  list.forEach((protocol, index) => {
    if (!TOKEN.test(protocol) || list.indexOf(protocol) !== index) {
      throw domException(
        "SyntaxError",
        `FakeWebSocket: the subprotocol ${JSON.stringify(protocol)} is invalid or repeated.`,
      );
    }
  });
  return list;
}
