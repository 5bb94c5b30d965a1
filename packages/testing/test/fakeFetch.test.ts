// server.fetch: event streams over a fake fetch, read by wirekit's real FetchEventSource.
import { ConnectionManager, eventStreamEndpoint } from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import {
  createFakeServer,
  createPageLifecycleControls,
  createVirtualClock,
  type FakeServerStream,
} from "@wirekit/testing";
import { describe, expect, it, onTestFinished } from "vitest";

function setup() {
  const clock = createVirtualClock();
  const server = createFakeServer({ clock, latency: 5 });
  const streams: FakeServerStream[] = [];
  server.onRequest((stream) => {
    streams.push(stream);
  });
  return { clock, server, streams };
}

describe("FakeServer.fetch", () => {
  it("carries a POST with headers and a body to the script, and the events back", async () => {
    const { clock, server, streams } = setup();
    const source = new FetchEventSource("http://fake/chat", {
      fetch: server.fetch,
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer t" },
      body: '{"prompt":"hi"}',
    });
    const seen: string[] = [];
    source.addEventListener("token", (event) => seen.push(`${event.data} #${event.lastEventId}`));
    source.onopen = () => seen.push("open");
    await clock.advanceAsync(5);
    expect(streams).toHaveLength(1);
    expect(streams[0]).toMatchObject({
      url: "http://fake/chat",
      method: "POST",
      body: '{"prompt":"hi"}',
      lastEventId: "",
      headers: expect.objectContaining({
        "content-type": "application/json",
        authorization: "Bearer t",
        accept: "text/event-stream",
      }),
    });
    streams[0]?.event({ event: "token", data: "Hel", id: "1" });
    streams[0]?.event({ event: "token", data: "lo\nworld", id: "2" });
    await clock.advanceAsync(20);
    expect(seen).toEqual(["open", "Hel #1", "lo\nworld #2"]);
    source.close();
  });

  it("resends the body with Last-Event-ID after a drop, and ends the stream on end()", async () => {
    // Reconnects through a Connection, whose retries wait on the virtual clock.
    const { clock, server, streams } = setup();
    const manager = new ConnectionManager({ clock, lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const { connection } = manager.acquire(
      eventStreamEndpoint({
        url: "http://fake/chat",
        FetchEventSource,
        fetch: server.fetch,
        method: "POST",
        body: "again",
        retryDelay: () => 100,
      }),
    );
    const errors: string[] = [];
    connection.subscribe(() => {
      const { error } = connection.getSnapshot();
      if (error !== null && "code" in error && errors.at(-1) !== error.code)
        errors.push(error.code);
    });
    await clock.advanceAsync(10);
    streams[0]?.event({ data: "a", id: "7" });
    await clock.advanceAsync(10);
    streams[0]?.drop();
    await clock.advanceAsync(200);
    expect(errors).toEqual(["network"]);
    expect(streams[1]).toMatchObject({ lastEventId: "7", body: "again", method: "POST" });
    streams[1]?.end();
    await clock.advanceAsync(10);
    expect(errors).toEqual(["network", "stream-ended"]);
    manager.closeAll();
    await clock.advanceAsync(10);
    expect(streams.every((stream) => stream.closed)).toBe(true);
    expect(server.openConnections).toBe(0);
  });

  it("answers a failing status as a response, and a stopped server as a network error", async () => {
    const { clock, server } = setup();
    server.onRequest((stream) => stream.fail(503));
    const answered = server.fetch("http://fake/events");
    await clock.advanceAsync(10);
    await expect(answered).resolves.toMatchObject({ status: 503 });

    server.stop();
    const refused = server.fetch("http://fake/events");
    const outcome = expect(refused).rejects.toThrow(TypeError);
    await clock.advanceAsync(10);
    await outcome;
  });

  it("aborts through the signal: the promise rejects and the server sees the client leave", async () => {
    const { clock, server, streams } = setup();
    server.onRequest((stream) => {
      stream.hold();
    });
    const controller = new AbortController();
    const pending = server.fetch("http://fake/events", { signal: controller.signal });
    const outcome = expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await clock.advanceAsync(5);
    expect(streams[0]?.closed).toBe(false);
    controller.abort();
    await outcome;
    await clock.advanceAsync(5);
    expect(streams[0]?.closed).toBe(true);
  });

  it("takes text bodies only", () => {
    const { server } = setup();
    expect(() => server.fetch("http://fake/", { method: "POST", body: new Blob(["x"]) })).toThrow(
      TypeError,
    );
  });
});
