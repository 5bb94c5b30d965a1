import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ConnectionManager,
  type EventStreamEndpointOptions,
  eventStreamEndpoint,
  type Heartbeat,
  heartbeat,
  RealtimeObserver,
  streamSource,
  type WebSocketEndpointOptions,
  webSocketChannels,
  webSocketEndpoint,
} from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import {
  createFakeServer,
  createPageLifecycleControls,
  createVirtualClock,
} from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { EVENT_STREAM_HEADERS, startServer } from "./support/httpServer.js";

async function startWebSocketServer() {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  const connections: WebSocket[] = [];
  server.on("connection", (socket) => connections.push(socket));
  onTestFinished(async () => {
    for (const socket of server.clients) socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}/live`, connections };
}

function manager(linger = 1000) {
  const clock = createVirtualClock();
  const page = createPageLifecycleControls();
  const instance = new ConnectionManager({ clock, lifecycle: page, linger });
  onTestFinished(() => instance.closeAll());
  return { manager: instance, clock, page };
}

describe("ConnectionManager", () => {
  it("opens exactly one physical connection through acquire, release, acquire (StrictMode)", async () => {
    const server = await startWebSocketServer();
    const { manager: connections } = manager();
    const endpoint = webSocketEndpoint({ url: server.url, WebSocket });
    // React StrictMode: mount, unmount, mount again, synchronously.
    const first = connections.acquire(endpoint);
    first.release();
    const second = connections.acquire(endpoint);
    expect(second.connection).toBe(first.connection);
    await new Promise<void>((resolve) => {
      if (second.connection.getSnapshot().status === "open") resolve();
      second.connection.subscribe(() => {
        if (second.connection.getSnapshot().status === "open") resolve();
      });
    });
    expect(server.connections).toHaveLength(1);
  });

  it("shares a connection among equal endpoints and counts its users", () => {
    const { manager: connections, clock } = manager();
    const options = {
      url: "http://127.0.0.1:1/events",
      FetchEventSource,
      headers: { "X-Team": "a" },
    };
    const leases = Array.from({ length: 5 }, () =>
      connections.acquire(eventStreamEndpoint({ ...options })),
    );
    expect(new Set(leases.map((lease) => lease.connection)).size).toBe(1);
    expect(connections.size).toBe(1);
    for (const lease of leases.slice(0, 4)) lease.release();
    clock.advance(60_000);
    expect(connections.size).toBe(1);
    leases[4]?.release();
    leases[4]?.release(); // a second release is ignored
    expect(leases[4]?.connection.getSnapshot().status).not.toBe("closed");
    clock.advance(999);
    expect(connections.size).toBe(1);
    clock.advance(1);
    expect(connections.size).toBe(0);
    expect(leases[0]?.connection.getSnapshot().status).toBe("closed");
  });

  it("lets a lease held across closeAll go without touching the connection made after it", () => {
    const { manager: connections, clock } = manager();
    const endpoint = () =>
      eventStreamEndpoint({ url: "http://127.0.0.1:1/events", FetchEventSource });
    const before = connections.acquire(endpoint());
    connections.closeAll();
    const after = connections.acquire(endpoint());
    expect(after.connection).not.toBe(before.connection);
    before.release();
    clock.advance(60_000);
    expect(connections.size).toBe(1);
    expect(after.connection.getSnapshot().status).not.toBe("closed");
    // Still the one connection for its key: nothing was forgotten while it runs.
    expect(connections.acquire(endpoint()).connection).toBe(after.connection);
  });

  it("keeps endpoints apart when what goes on the wire differs", () => {
    const { manager: connections } = manager();
    const base = { url: "http://127.0.0.1:1/events", FetchEventSource } as const;
    const stream = (options: Partial<EventStreamEndpointOptions> = {}) =>
      connections.acquire(eventStreamEndpoint({ ...base, ...options }));
    const token = async () => ({ Authorization: "Bearer x" });
    const distinct = [
      stream(),
      stream({ FetchEventSource: undefined, EventSource: createFakeServer().EventSource }),
      stream({ url: "http://127.0.0.1:1/other" }),
      stream({ headers: { "X-Team": "a" } }),
      stream({ headers: { "X-Team": "b" } }),
      stream({ headers: token }),
      stream({ method: "POST", body: "{}" }),
      stream({ withCredentials: true }),
      connections.acquire(webSocketEndpoint({ url: "ws://127.0.0.1:1/events", WebSocket })),
    ];
    expect(new Set(distinct.map((lease) => lease.connection)).size).toBe(distinct.length);
    // Same values, same connection: header order and case do not matter; any headers function
    // computes the same headers (each component writes its own inline).
    expect(stream({ headers: { "x-team": "a" } }).connection).toBe(distinct[3]?.connection);
    expect(stream({ headers: async () => ({}) }).connection).toBe(distinct[5]?.connection);
  });

  it("shares a socket among endpoints written anew each render, subprotocols and all", () => {
    const { manager: connections } = manager();
    const socket = (protocols: string[]) =>
      connections.acquire(webSocketEndpoint({ url: "ws://127.0.0.1:1/live", protocols, WebSocket }))
        .connection;
    expect(socket(["wirekit.v1"])).toBe(socket(["wirekit.v1"]));
    expect(socket(["wirekit.v1"])).not.toBe(socket(["wirekit.v2"]));
    // The channel source's endpoint offers the channel subprotocol: the same socket every time.
    const channels = () => webSocketChannels({ url: "ws://127.0.0.1:1/live", WebSocket }).endpoint;
    expect(channels().key).toBe(channels().key);
    expect(connections.acquire(channels()).connection).toBe(socket(["wirekit.v1"]));
  });

  it("closes a lingering connection on the server side once the linger is over", async () => {
    const server = await startWebSocketServer();
    const connections = new ConnectionManager({ linger: 20 });
    onTestFinished(() => connections.closeAll());
    const lease = connections.acquire(webSocketEndpoint({ url: server.url, WebSocket }));
    await vi.waitFor(() => expect(lease.connection.getSnapshot().status).toBe("open"));
    lease.release();
    const [socket] = server.connections;
    if (socket === undefined) throw new Error("no connection reached the server");
    const [code] = await once(socket, "close");
    expect(code).toBe(1000);
    expect(connections.size).toBe(0);
  });

  it("sends headers through the FetchEventSource it is given", async () => {
    const server = await startServer((request, response) => {
      response.writeHead(200, EVENT_STREAM_HEADERS);
      response.write(`data: ${request.headers.authorization ?? "none"}\n\n`);
    });
    const connections = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => connections.closeAll());
    const lease = connections.acquire(
      eventStreamEndpoint({
        url: server.url("/events"),
        FetchEventSource,
        headers: { Authorization: "Bearer t" },
      }),
    );
    const message = await new Promise((resolve) => lease.connection.onMessage(resolve));
    expect(message).toEqual({ event: "message", data: "Bearer t", lastEventId: "" });
  });

  it("refuses what the browser's EventSource cannot send, naming the class that can", () => {
    const { manager: connections } = manager();
    const { EventSource } = createFakeServer();
    const url = "http://127.0.0.1:1/events";
    for (const options of [
      { headers: { Authorization: "Bearer t" } },
      { method: "POST" },
      { body: "{}" },
      { fetch: globalThis.fetch },
    ]) {
      expect(() =>
        connections.acquire(eventStreamEndpoint({ url, EventSource, ...options })),
      ).toThrow(/pass `FetchEventSource` from @wirekit\/core\/event-source/);
    }
    // A GET, in any case, is what the browser's EventSource sends.
    expect(() =>
      connections.acquire(eventStreamEndpoint({ url, EventSource, method: "get" })),
    ).not.toThrow();
    // Where there is none (Node without --experimental-eventsource, React Native), it says so
    // at once rather than failing every attempt.
    vi.stubGlobal("EventSource", undefined);
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    expect(() => connections.acquire(eventStreamEndpoint({ url }))).toThrow(
      /no EventSource here; pass `FetchEventSource`/,
    );
  });

  it("refuses a heartbeat written as options rather than made by heartbeat()", () => {
    const { manager: connections } = manager();
    const options = { url: "ws://127.0.0.1:1/live", WebSocket };
    const written = { interval: 5000 } as unknown as Heartbeat;
    expect(() =>
      connections.acquire(webSocketEndpoint({ ...options, heartbeat: written })),
    ).toThrow(/heartbeat\(\{ interval, deadline, message \}\)/);
    expect(() =>
      connections.acquire(webSocketEndpoint({ ...options, heartbeat: heartbeat() })),
    ).not.toThrow();
  });

  it("shares one stream among users who want different named events, each getting its own", async () => {
    const streams: ServerResponse[] = [];
    const server = await startServer((_request, response) => {
      response.writeHead(200, EVENT_STREAM_HEADERS);
      response.write(": open\n\n");
      streams.push(response);
    });
    const connections = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => connections.closeAll());
    const endpoint = {
      url: server.url("/metrics"),
      FetchEventSource,
      retryDelay: () => 10,
    } as const;
    const load = new RealtimeObserver<string>(connections, {
      source: streamSource(eventStreamEndpoint({ ...endpoint, events: ["load"] }), ["load"]),
      delivery: { mode: "history", size: 10 },
    });
    onTestFinished(load.mount());
    await vi.waitFor(() => expect(load.getSnapshot().status).toBe("open"));
    // A second user wants another event of the same stream: no second request, no reconnect.
    const memory = new RealtimeObserver<string>(connections, {
      source: streamSource(eventStreamEndpoint({ ...endpoint, events: ["memory"] }), ["memory"]),
      delivery: { mode: "history", size: 10 },
    });
    onTestFinished(memory.mount());
    expect(connections.size).toBe(1);
    streams[0]?.write("event: load\ndata: 0.5\n\nevent: memory\ndata: 512\n\ndata: plain\n\n");
    await vi.waitFor(() => expect(memory.getSnapshot().history).toEqual(["512", "plain"]));
    expect(load.getSnapshot().history).toEqual(["0.5", "plain"]);
    expect(server.requests).toHaveLength(1);

    // The next connection listens to both from the start.
    streams[0]?.end();
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    streams[1]?.write("event: memory\ndata: 640\n\nevent: load\ndata: 0.7\n\n");
    await vi.waitFor(() => expect(memory.getSnapshot().history).toEqual(["512", "plain", "640"]));
    expect(load.getSnapshot().history).toEqual(["0.5", "plain", "0.7"]);
  });

  describe("settings of a shared connection", () => {
    function shared() {
      const { manager: connections, clock, page } = manager();
      const server = createFakeServer({ clock });
      const endpoint = (extra: Partial<WebSocketEndpointOptions> = {}) =>
        webSocketEndpoint({ url: "ws://live.test/", WebSocket: server.WebSocket, ...extra });
      return { connections, clock, page, server, endpoint };
    }

    it("stays connected in a hidden tab while any user wants it kept, and pauses when they leave", async () => {
      const { connections, clock, page, endpoint } = shared();
      const pausing = connections.acquire(endpoint({ visibility: "pause" }));
      const keeping = connections.acquire(endpoint({ visibility: "keep" }));
      await clock.advanceAsync(10);
      expect(pausing.connection.getSnapshot().status).toBe("open");
      page.hide();
      await clock.advanceAsync(60_000);
      expect(pausing.connection.getSnapshot().status).toBe("open");
      keeping.release();
      await clock.advanceAsync(10_000);
      expect(pausing.connection.getSnapshot().status).toBe("paused");
      const again = connections.acquire(endpoint({ visibility: "keep" }));
      await clock.advanceAsync(10);
      expect(again.connection.getSnapshot().status).toBe("open");
    });

    it("keeps the first user's other settings, and says so once in development", () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      onTestFinished(() => warn.mockRestore());
      const { connections, endpoint } = shared();
      connections.acquire(endpoint({ heartbeat: heartbeat({ interval: 5000 }), maxAttempts: 3 }));
      connections.acquire(endpoint({ heartbeat: heartbeat({ interval: 5000 }), maxAttempts: 3 }));
      expect(warn).not.toHaveBeenCalled();
      connections.acquire(
        endpoint({ heartbeat: heartbeat({ interval: 9000 }), retryDelay: () => 1 }),
      );
      connections.acquire(endpoint({ heartbeat: heartbeat({ interval: 9000 }) }));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(
        /ws:\/\/live\.test\/.*maxAttempts, heartbeat differ/,
      );
    });
  });
});
