import {
  createFakeServer,
  createVirtualClock,
  FakeEventSource,
  type FakeServerOptions,
  type FakeServerStream,
} from "@wirekit/testing";
import { describe, expect, it } from "vitest";

function setup(options: Omit<FakeServerOptions, "clock"> = {}) {
  const clock = createVirtualClock();
  const server = createFakeServer({ clock, ...options });
  const streams: FakeServerStream[] = [];
  server.onRequest((stream) => {
    streams.push(stream);
  });
  return { clock, server, streams };
}

/** What the source saw, one line per event, for `message` and the named `types`. */
function record(source: FakeEventSource, ...types: string[]): string[] {
  const events: string[] = [];
  source.addEventListener("open", () => events.push("open"));
  source.addEventListener("error", () => events.push(`error ${source.readyState}`));
  for (const type of ["message", ...types]) {
    source.addEventListener(type, (event) =>
      events.push(`${event.type} ${event.data} #${event.lastEventId}`),
    );
  }
  return events;
}

describe("FakeEventSource", () => {
  it("has the EventSource constants and starts CONNECTING", () => {
    const { server } = setup();
    const source = new server.EventSource("http://fake/events", { withCredentials: true });
    expect([FakeEventSource.CONNECTING, FakeEventSource.OPEN, FakeEventSource.CLOSED]).toEqual([
      0, 1, 2,
    ]);
    expect([source.CONNECTING, source.OPEN, source.CLOSED]).toEqual([0, 1, 2]);
    expect(source).toBeInstanceOf(FakeEventSource);
    expect(source.readyState).toBe(FakeEventSource.CONNECTING);
    expect(source.url).toBe("http://fake/events");
    expect(source.withCredentials).toBe(true);
    expect(new server.EventSource("http://fake/").withCredentials).toBe(false);
  });

  it("needs a server, and a URL that parses", () => {
    const { server } = setup();
    expect(() => new FakeEventSource("http://fake/")).toThrow(TypeError);
    expect(() => new server.EventSource("http://[::1")).toThrow(
      expect.objectContaining({ name: "SyntaxError" }),
    );
  });

  it("opens a round trip after it was created, on the clock and never synchronously", () => {
    const { clock, server, streams } = setup({ latency: 10 });
    const source = new server.EventSource("http://fake/events");
    const events = record(source);
    clock.advance(9);
    expect(streams).toHaveLength(0);
    clock.advance(1);
    expect(streams).toHaveLength(1);
    expect(streams[0]?.lastEventId).toBe("");
    expect(server.openConnections).toBe(1);
    clock.advance(9);
    expect(source.readyState).toBe(FakeEventSource.CONNECTING);
    clock.advance(1);
    expect(source.readyState).toBe(FakeEventSource.OPEN);
    expect(events).toEqual(["open"]);
  });

  it("delivers events with their type, data, id and origin; named ones only to their listeners", () => {
    const { clock, server } = setup();
    server.onRequest((stream) => {
      stream.event({ data: "plain" });
      stream.event({ data: "line 1\nline 2", event: "update", id: "7" });
      stream.comment("heartbeat");
      stream.event({ data: "", event: "" });
      stream.event({ data: "null id", id: "8\u0000" });
      stream.event({ data: "unheard", event: "nobody" });
    });
    const source = new server.EventSource("http://fake:8080/events");
    const events = record(source, "update");
    const messages: unknown[] = [];
    source.onmessage = (event) => messages.push(event);
    clock.advance(0);
    expect(events).toEqual([
      "open",
      "message plain #",
      "update line 1\nline 2 #7",
      "message  #7",
      "message null id #7",
    ]);
    expect(messages[0]).toEqual(
      expect.objectContaining({
        type: "message",
        data: "plain",
        lastEventId: "",
        origin: "http://fake:8080",
        target: source,
      }),
    );
    expect(messages).toHaveLength(3);
  });

  it("reconnects after end() once the reconnection time has passed, sending Last-Event-ID", () => {
    const { clock, server, streams } = setup();
    const source = new server.EventSource("http://fake/events");
    const events = record(source);
    clock.advance(0);
    streams[0]?.event({ data: "a", id: "41" });
    streams[0]?.event({ data: "b", id: "42" });
    streams[0]?.end();
    expect(server.openConnections).toBe(0);
    clock.advance(0);
    expect(events).toEqual(["open", "message a #41", "message b #42", "error 0"]);
    expect(source.readyState).toBe(FakeEventSource.CONNECTING);
    clock.advance(2999);
    expect(server.totalConnections).toBe(1);
    clock.advance(1);
    expect(server.totalConnections).toBe(2);
    expect(streams.map((stream) => stream.lastEventId)).toEqual(["", "42"]);
    expect(source.readyState).toBe(FakeEventSource.OPEN);
    expect(events.at(-1)).toBe("open");
  });

  it("waits the reconnection time the server set with retry()", () => {
    const { clock, server, streams } = setup({ latency: 5 });
    const source = new server.EventSource("http://fake/events");
    const events = record(source);
    clock.advance(10);
    streams[0]?.retry(1000);
    streams[0]?.end();
    clock.advance(5);
    expect(events).toEqual(["open", "error 0"]);
    clock.advance(1004);
    expect(streams).toHaveLength(1);
    clock.advance(1);
    expect(streams).toHaveLength(2);
    expect(() => streams[1]?.retry(-1)).toThrow(RangeError);
  });

  it("reconnects after server.drop(), losing what was in flight", () => {
    const { clock, server, streams } = setup({ latency: 10 });
    const source = new server.EventSource("http://fake/events");
    const events = record(source);
    clock.advance(20);
    streams[0]?.event({ data: "lost", id: "9" });
    server.drop();
    expect(server.openConnections).toBe(0);
    clock.advance(10);
    expect(events).toEqual(["open", "error 0"]);
    clock.advance(3009);
    expect(streams).toHaveLength(1);
    clock.advance(1);
    expect(streams[1]?.lastEventId).toBe("");
  });

  it("keeps retrying while the server is stopped, and connects once it starts", () => {
    const { clock, server, streams } = setup();
    server.stop();
    const source = new server.EventSource("http://fake/events");
    const events = record(source);
    clock.advance(0);
    expect(events).toEqual(["error 0"]);
    clock.advance(3000);
    expect(events).toEqual(["error 0", "error 0"]);
    expect(server.totalConnections).toBe(0);
    server.start();
    clock.advance(3000);
    expect(events).toEqual(["error 0", "error 0", "open"]);
    expect(streams).toHaveLength(1);
  });

  it("fail(204) closes the source for good: CLOSED, one error, no reconnect", () => {
    const { clock, server } = setup();
    server.onRequest((stream) => stream.fail(204));
    const source = new server.EventSource("http://fake/events");
    const events = record(source);
    clock.advance(0);
    expect(source.readyState).toBe(FakeEventSource.CLOSED);
    expect(events).toEqual(["error 2"]);
    clock.advance(60_000);
    expect(server.totalConnections).toBe(1);
    expect(server.openConnections).toBe(0);
    expect(events).toEqual(["error 2"]);
  });

  it("fails on any status but 200 and any content type but text/event-stream", () => {
    const answers = [
      { status: 503 },
      { status: 500 },
      { contentType: "text/html" },
      { contentType: "text/event-streams" },
    ];
    for (const answer of answers) {
      const { clock, server } = setup();
      server.onRequest((stream) => stream.respond(answer));
      const source = new server.EventSource("http://fake/events");
      clock.advance(0);
      expect(source.readyState).toBe(FakeEventSource.CLOSED);
    }
    const { clock, server } = setup();
    server.onRequest((stream) =>
      stream.respond({ contentType: "Text/Event-Stream; charset=utf-8" }),
    );
    const source = new server.EventSource("http://fake/events");
    clock.advance(0);
    expect(source.readyState).toBe(FakeEventSource.OPEN);
  });

  it("throws on a script that answers twice, or fails with 200", () => {
    const { clock, server } = setup();
    const thrown: unknown[] = [];
    server.onRequest((stream) => {
      for (const answer of [
        () => stream.fail(200),
        () => stream.fail(503),
        () => stream.fail(503),
      ]) {
        try {
          answer();
        } catch (error) {
          thrown.push(error);
        }
      }
    });
    new server.EventSource("http://fake/events");
    clock.advance(0);
    expect(thrown).toEqual([expect.any(RangeError), expect.any(Error)]);
  });

  it("close() is synchronous and final: nothing delivered after, no reconnect", () => {
    const { clock, server, streams } = setup({ latency: 10 });
    const source = new server.EventSource("http://fake/events");
    const events = record(source);
    clock.advance(20);
    const serverSawClose: string[] = [];
    streams[0]?.onClose(() => serverSawClose.push("closed"));
    streams[0]?.event({ data: "in flight" });
    streams[0]?.end();
    source.close();
    expect(source.readyState).toBe(FakeEventSource.CLOSED);
    clock.advance(60_000);
    expect(events).toEqual(["open"]);
    expect(server.totalConnections).toBe(1);
    expect(serverSawClose).toEqual(["closed"]);
  });

  it("close() lets the server know after the latency, and cancels a pending reconnect", () => {
    const { clock, server, streams } = setup({ latency: 10 });
    const source = new server.EventSource("http://fake/events");
    clock.advance(20);
    source.close();
    expect(server.openConnections).toBe(1);
    clock.advance(10);
    expect(server.openConnections).toBe(0);
    expect(streams[0]?.closed).toBe(true);

    const again = new server.EventSource("http://fake/events");
    clock.advance(20);
    streams[1]?.end();
    clock.advance(10);
    expect(again.readyState).toBe(FakeEventSource.CONNECTING);
    again.close();
    clock.advance(60_000);
    expect(server.totalConnections).toBe(2);

    const closedByListener = new server.EventSource("http://fake/events");
    closedByListener.onerror = () => closedByListener.close();
    clock.advance(20);
    streams[2]?.end();
    clock.advance(60_000);
    expect(closedByListener.readyState).toBe(FakeEventSource.CLOSED);
    expect(server.totalConnections).toBe(3);
  });

  it("holds a request the server never answers, until it answers", () => {
    const { clock, server, streams } = setup();
    const releases: Array<() => void> = [];
    server.onRequest((stream) => {
      releases.push(stream.hold());
    });
    const opened = new server.EventSource("http://fake/events");
    const failed = new server.EventSource("http://fake/events");
    const openedEvents = record(opened);
    clock.advance(600_000);
    expect(openedEvents).toEqual([]);
    expect(opened.readyState).toBe(FakeEventSource.CONNECTING);
    releases[0]?.();
    streams[1]?.fail(503);
    clock.advance(0);
    expect(openedEvents).toEqual(["open"]);
    expect(failed.readyState).toBe(FakeEventSource.CLOSED);
  });

  it("holds a connection the server accepts and never speaks on", () => {
    const { clock, server } = setup();
    const source = new server.EventSource("http://fake/events");
    const events = record(source);
    clock.advance(600_000);
    expect(events).toEqual(["open"]);
    expect(server.openConnections).toBe(1);
  });
});
