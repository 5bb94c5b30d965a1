import { type Clock, systemClock } from "@wirekit/core";
import { type EventSourceConnector, FakeEventSource } from "./fakeEventSource.js";
import { createFakeFetch, type FakeFetch } from "./fakeFetch.js";
import { type FakeServerSocket, ServerSocket } from "./fakeServerSocket.js";
import { type FakeServerStream, ServerStream } from "./fakeServerStream.js";
import { FakeWebSocket, type WebSocketConnector } from "./fakeWebSocket.js";

export interface FakeServerOptions {
  /**
   * The clock every delivery and reconnect waits on; pass a `createVirtualClock()`.
   * @default the real timers, looked up when called
   */
  clock?: Clock;
  /**
   * How long anything takes to cross the wire, one way, in milliseconds: a WebSocket opens and a
   * stream's response starts a round trip (twice this) after the client asked. Change it later
   * with `setLatency`.
   * @default 0
   */
  latency?: number;
  /**
   * Picks the WebSocket subprotocol from those the client offered, in order. Returning one it did
   * not offer, or "" when it offered some, fails the handshake, as browsers do.
   * @default the first offered, or "" when none was
   */
  selectProtocol?: (offered: readonly string[], url: string) => string;
}

/** A message a client sent over a WebSocket, as the server received it. */
export interface FakeServerMessage {
  readonly url: string;
  readonly data: string | Uint8Array<ArrayBuffer>;
}

/** An in-memory server for `FakeWebSocket` and `FakeEventSource`, scripted by a test or story. */
export interface FakeServer {
  /** A `WebSocket` class connected to this server: `new server.WebSocket(url, protocols)`. */
  readonly WebSocket: typeof FakeWebSocket;
  /** An `EventSource` class connected to this server: `new server.EventSource(url, init)`. */
  readonly EventSource: typeof FakeEventSource;
  /**
   * A `fetch` for event streams, answered by the same `onRequest` handlers: pass it to
   * `FetchEventSource` (or as an endpoint's `fetch`, with its `FetchEventSource`) for POST
   * streams, headers and `Last-Event-ID` on every request. Bodies are text.
   */
  readonly fetch: FakeFetch;
  /** The one-way latency now, in milliseconds. */
  readonly latency: number;
  /**
   * Changes the one-way latency from now on. What is already on its way keeps its arrival time,
   * and nothing overtakes what was sent before it: a shorter latency waits for the earlier
   * deliveries.
   */
  setLatency(milliseconds: number): void;
  /** Calls `handler` with each accepted WebSocket connection. Returns an unsubscribe. */
  onConnection(handler: (socket: FakeServerSocket) => void): () => void;
  /** Calls `handler` with each event-stream request, reconnects included. Returns an unsubscribe. */
  onRequest(handler: (stream: FakeServerStream) => void): () => void;
  /**
   * Every open connection dies without a word: WebSockets close with 1006, `wasClean` false;
   * event streams see a network error and reconnect.
   */
  drop(): void;
  /**
   * Refuses new connections until `start()`: a WebSocket gets `error` then `close` 1006, an
   * `EventSource` an `error`, and retries. Open connections stay up; `drop()` them too to model a
   * server going down.
   */
  stop(): void;
  /** Accepts connections again after `stop()`. */
  start(): void;
  /** False between `stop()` and `start()`. */
  readonly running: boolean;
  /** Connections open now, WebSockets and event streams together. */
  readonly openConnections: number;
  /** Connections that ever reached the running server, failed requests included. */
  readonly totalConnections: number;
  /** Every WebSocket message that reached the server, in order of arrival. */
  readonly received: readonly FakeServerMessage[];
}

/**
 * Creates an in-memory server and the `WebSocket` and `EventSource` classes that talk to it, so
 * realtime code runs without a network and, on a virtual clock, without waiting.
 *
 * @example
 * const clock = createVirtualClock();
 * const server = createFakeServer({ clock, latency: 10 });
 * server.onConnection((socket) => {
 *   socket.onMessage((data) => socket.send(`echo ${data}`));
 * });
 * const socket = new server.WebSocket("ws://fake/chat");
 * socket.onopen = () => socket.send("hi");
 * clock.advance(40); // open after 20 ms, "echo hi" back after 40
 */
export function createFakeServer(options: FakeServerOptions = {}): FakeServer {
  const {
    clock = systemClock,
    latency: initialLatency = 0,
    selectProtocol = (offered: readonly string[]) => offered[0] ?? "",
  } = options;
  let latency = checkLatency("createFakeServer", initialLatency);

  let running = true;
  let totalConnections = 0;
  const open = new Set<ServerSocket | ServerStream>();
  const received: FakeServerMessage[] = [];
  const connectionHandlers = new Set<(socket: FakeServerSocket) => void>();
  const requestHandlers = new Set<(stream: FakeServerStream) => void>();

  // Timers due at the same time run in the order they were set; with the arrival times never
  // going backwards (when the latency drops), nothing sent overtakes what was sent before it.
  let lastArrival = Number.NEGATIVE_INFINITY;
  const deliver = (arrive: () => void): void => {
    const now = clock.now();
    lastArrival = Math.max(now + latency, lastArrival);
    clock.setTimeout(arrive, lastArrival - now);
  };

  const webSocketConnector: WebSocketConnector = {
    clock,
    connect(request, client) {
      let socket: ServerSocket | undefined;
      let aborted = false;
      deliver(() => {
        if (aborted) return;
        const protocol = running ? selectProtocol(request.protocols, request.url) : undefined;
        const agreed =
          protocol === ""
            ? request.protocols.length === 0
            : protocol !== undefined && request.protocols.includes(protocol);
        if (protocol === undefined || !agreed) {
          deliver(() => client.fail());
          return;
        }
        const accepted: ServerSocket = new ServerSocket(request, protocol, client, {
          deliver,
          received: (data) => received.push({ url: request.url, data }),
          closed: () => open.delete(accepted),
        });
        socket = accepted;
        open.add(accepted);
        totalConnections += 1;
        for (const handler of [...connectionHandlers]) handler(accepted);
        accepted.handled();
      });
      return {
        send: (data) => deliver(() => socket?.receiveMessage(data)),
        close: (code, reason) => deliver(() => socket?.receiveClose(code, reason)),
        abort: () => {
          aborted = true;
          deliver(() => socket?.receiveAbort());
        },
      };
    },
  };

  const eventSourceConnector: EventSourceConnector = {
    clock,
    request(request, client) {
      let stream: ServerStream | undefined;
      let aborted = false;
      deliver(() => {
        if (aborted) return;
        // A refused connection is a network error, which an EventSource retries.
        if (!running) {
          deliver(() => client.lost("network"));
          return;
        }
        const accepted: ServerStream = new ServerStream(request, client, {
          deliver,
          closed: () => open.delete(accepted),
        });
        stream = accepted;
        open.add(accepted);
        totalConnections += 1;
        for (const handler of [...requestHandlers]) handler(accepted);
        accepted.handled();
      });
      return {
        abort: () => {
          aborted = true;
          deliver(() => stream?.receiveAbort());
        },
      };
    },
  };

  class WebSocket extends FakeWebSocket {
    protected static override readonly connector = webSocketConnector;
  }
  class EventSource extends FakeEventSource {
    protected static override readonly connector = eventSourceConnector;
  }

  return {
    WebSocket,
    EventSource,
    fetch: createFakeFetch(eventSourceConnector),
    get latency() {
      return latency;
    },
    setLatency(milliseconds) {
      latency = checkLatency("FakeServer.setLatency", milliseconds);
    },
    onConnection(handler) {
      connectionHandlers.add(handler);
      return () => {
        connectionHandlers.delete(handler);
      };
    },
    onRequest(handler) {
      requestHandlers.add(handler);
      return () => {
        requestHandlers.delete(handler);
      };
    },
    drop() {
      for (const connection of [...open]) connection.drop();
    },
    stop() {
      running = false;
    },
    start() {
      running = true;
    },
    get running() {
      return running;
    },
    get openConnections() {
      return open.size;
    },
    get totalConnections() {
      return totalConnections;
    },
    get received() {
      return received;
    },
  };
}

function checkLatency(caller: string, milliseconds: number): number {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) {
    throw new RangeError(`${caller}: the latency must be a finite number of milliseconds ≥ 0.`);
  }
  return milliseconds;
}
