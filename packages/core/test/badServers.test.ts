// Hostile and broken servers on loopback: each must end in a typed error, and the connection
// must either recover or fail clearly, with memory bounded.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import {
  Connection,
  type ConnectionSnapshot,
  eventSourceTransport,
  exponentialBackoff,
  heartbeat,
  type Transport,
  webSocketTransport,
} from "@wirekit/core";
import { EventStreamParseError, FetchEventSource } from "@wirekit/core/event-source";
import { createPageLifecycleControls } from "@wirekit/testing";
import { describe, expect, it, onTestFinished } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { EVENT_STREAM_HEADERS, startServer } from "./support/httpServer.js";
import { seededRandom } from "./support/random.js";

function connect(
  transport: Transport,
  options: { watchdog?: number; connectTimeout?: number } = {},
) {
  const connection = new Connection({
    transport,
    lifecycle: createPageLifecycleControls(),
    retryDelay: exponentialBackoff({ initialDelay: 20, maxDelay: 50 }),
    ...options,
  });
  onTestFinished(() => connection.close());
  connection.connect();
  return connection;
}

function until(
  connection: Connection,
  predicate: (snapshot: ConnectionSnapshot) => boolean,
): Promise<ConnectionSnapshot> {
  return new Promise((resolve) => {
    const check = () => {
      const snapshot = connection.getSnapshot();
      if (predicate(snapshot)) {
        stop();
        resolve(snapshot);
      }
    };
    const stop = connection.subscribe(check);
    check();
  });
}

describe("bad servers", () => {
  it("fails clearly on a server that answers an HTML page", async () => {
    const server = await startServer((_, response) => {
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      response.end("<!doctype html><h1>Welcome</h1>");
    });
    const connection = connect(
      eventSourceTransport({ FetchEventSource, url: server.url("/events") }),
    );
    const failed = await until(connection, (snapshot) => snapshot.status === "failed");
    expect(failed.error).toMatchObject({ name: "ConnectionError", code: "content-type" });
    expect(server.requests).toHaveLength(1);
  });

  it("retries a 503 with Retry-After and recovers", async () => {
    const server = await startServer((_, response, index) => {
      if (index < 2) {
        response.writeHead(503, { "Retry-After": "0" }).end("busy");
        return;
      }
      response.writeHead(200, EVENT_STREAM_HEADERS);
      response.write("data: back\n\n");
    });
    const connection = connect(
      eventSourceTransport({ FetchEventSource, url: server.url("/events") }),
    );
    const message = await new Promise((resolve) => connection.onMessage(resolve));
    expect(message).toMatchObject({ data: "back" });
    expect(server.requests).toHaveLength(3);
  });

  it("survives garbage bytes on an event stream: typed errors, later events still delivered", async () => {
    const random = seededRandom(7);
    const server = await startServer((_, response) => {
      response.writeHead(200, EVENT_STREAM_HEADERS);
      response.write(Buffer.from(Array.from({ length: 64 * 1024 }, () => random() * 256)));
      response.write("\n\n\nevent: message\ndata: after the garbage\n\n");
    });
    const connection = connect(
      eventSourceTransport({
        FetchEventSource,
        url: server.url("/events"),
        maxEventSize: 4096,
      }),
    );
    await new Promise<void>((resolve) =>
      connection.onMessage((message) => message.data === "after the garbage" && resolve()),
    );
    const { status, error } = connection.getSnapshot();
    expect(status).toBe("open");
    expect(error).toBeInstanceOf(EventStreamParseError);
  });

  it("reconnects from a stream that opened and then never spoke, once the watchdog runs out", async () => {
    const server = await startServer((_, response, index) => {
      response.writeHead(200, EVENT_STREAM_HEADERS);
      response.flushHeaders();
      // The first stream opens and stays silent; the second one works.
      if (index > 0) response.write("data: alive\n\n");
    });
    const connection = connect(
      eventSourceTransport({ FetchEventSource, url: server.url("/events") }),
      {
        watchdog: 100,
      },
    );
    const message = await new Promise((resolve) => connection.onMessage(resolve));
    expect(message).toMatchObject({ data: "alive" });
    // Only a later stream speaks. (On a busy machine that one may be slow enough to be cut too.)
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
  });

  it("gives up on an attempt the server accepts and never answers, and retries", async () => {
    const server = await startServer((_, response, index) => {
      // The first request gets no response at all, not even headers.
      if (index === 0) return;
      response.writeHead(200, EVENT_STREAM_HEADERS);
      response.write("data: answered\n\n");
    });
    const connection = connect(
      eventSourceTransport({ FetchEventSource, url: server.url("/events") }),
      {
        connectTimeout: 100,
      },
    );
    const timedOut = await until(connection, (snapshot) => snapshot.error !== null);
    expect(timedOut.error).toMatchObject({ code: "connect-timeout" });
    const message = await new Promise((resolve) => connection.onMessage(resolve));
    expect(message).toMatchObject({ data: "answered" });
  });

  it("reconnects from a WebSocket that accepts and never answers a ping", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    onTestFinished(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of server.clients) socket.terminate();
          server.close(() => resolve());
        }),
    );
    let accepted = 0;
    server.on("connection", (socket) => {
      accepted++;
      // The first connection swallows everything; the second answers pings.
      if (accepted > 1) socket.on("message", () => socket.send("pong"));
    });
    const { port } = server.address() as AddressInfo;
    const connection = connect(
      webSocketTransport({
        url: `ws://127.0.0.1:${port}`,
        WebSocket,
        heartbeat: heartbeat({ interval: 50, deadline: 100 }),
      }),
    );
    const timedOut = await until(
      connection,
      (snapshot) => snapshot.error !== null && snapshot.status === "reconnecting",
    );
    expect(timedOut.error).toMatchObject({ code: "heartbeat-timeout" });
    const pong = await new Promise((resolve) => connection.onMessage(resolve));
    expect(pong).toMatchObject({ data: "pong" });
    // Only a later socket answers. (On a busy machine its pong may miss the deadline too.)
    expect(accepted).toBeGreaterThanOrEqual(2);
  });

  it("fails an attempt at a URL the WebSocket cannot parse, and says why", () => {
    // `ws`, like the browser's WebSocket, throws at once for a URL that does not parse.
    const connection = connect(webSocketTransport({ url: "not a url", WebSocket }));
    expect(connection.getSnapshot()).toMatchObject({
      status: "reconnecting",
      attempt: 1,
      error: { code: "network", cause: expect.any(SyntaxError) },
    });
  });

  it("passes text and binary frames through as their own kinds", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    server.on("connection", (socket) => {
      socket.send("text");
      socket.send(Buffer.from([0xff, 0x00, 0xfe]));
      socket.send(Buffer.from("{not json"), { binary: false });
    });
    const { port } = server.address() as AddressInfo;
    const connection = connect(webSocketTransport({ url: `ws://127.0.0.1:${port}`, WebSocket }));
    const frames: unknown[] = [];
    await new Promise<void>((resolve) =>
      connection.onMessage((message) => {
        frames.push(message.data);
        if (frames.length === 3) resolve();
      }),
    );
    expect(frames[0]).toBe("text");
    expect(frames[1]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(frames[1] as ArrayBuffer)]).toEqual([0xff, 0x00, 0xfe]);
    expect(frames[2]).toBe("{not json");
    connection.send(new Uint8Array([1, 2, 3]));
    expect(connection.getSnapshot().status).toBe("open");
  });
});
