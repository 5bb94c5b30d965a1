// The SSE endpoint on a real node:http server, read by wirekit's clients and by raw requests.
import { EventStreamChannels, exponentialBackoff } from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import { createMemoryBroker } from "@wirekit/server";
import { createPageLifecycleControls } from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { openStream, startStream, untilContains } from "./support/listen.js";
import { createLossyBroker } from "./support/lossyBroker.js";

describe("createEventStreamHandler", () => {
  it("sends named events with stream-wide ids to EventStreamChannels", async () => {
    const { broker, handler, url } = await startStream();
    const channels = new EventStreamChannels({
      url,
      debounce: 10,
      lifecycle: createPageLifecycleControls(),
      retryDelay: exponentialBackoff({ initialDelay: 20, maxDelay: 50 }),
      FetchEventSource,
    });
    onTestFinished(() => channels.dispose());
    const seen: string[] = [];
    for (const name of ["prices", "trades"]) {
      channels.subscribe(name, (event) => {
        if (event.type === "message")
          seen.push(`${event.channel} ${String(event.data)}@${event.id}`);
      });
    }
    await vi.waitFor(() => expect(handler.streams).toBe(1));
    await broker.publish("prices", "10");
    await broker.publish("news", "not subscribed");
    await broker.publish("trades", { qty: 2 });
    await vi.waitFor(() => expect(seen).toEqual(["prices 10@1", 'trades {"qty":2}@3']));
  });

  it("answers with the stream headers and writes retry first", async () => {
    const { url } = await startStream({ retry: 1234 });
    const stream = await openStream(`${url}?channels=a`);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers).toMatchObject({
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    await untilContains(stream.text, "retry: 1234\n\n");
    expect(stream.text().startsWith("retry: 1234\n\n")).toBe(true);
  });

  it("replays from the Last-Event-ID header, and from the lastEventId query parameter", async () => {
    const { broker, url } = await startStream();
    await broker.publish("a", "one"); // seq 1
    await broker.publish("b", "two"); // seq 2
    await broker.publish("c", "other"); // seq 3
    await broker.publish("a", "three"); // seq 4
    const byHeader = await openStream(`${url}?channels=a,b`, { "Last-Event-ID": "1" });
    await untilContains(byHeader.text, "data: three");
    // Where the stream stands first (the resume point: the replay is complete), then the replay.
    expect(byHeader.text()).toBe(
      "retry: 3000\n\nid: 1\nevent: wirekit-position\ndata: 1\n\n" +
        "id: 2\nevent: b\ndata: two\n\nid: 4\nevent: a\ndata: three\n\n",
    );
    const byQuery = await openStream(`${url}?channels=a&lastEventId=2`);
    await untilContains(byQuery.text, "data: three");
    expect(byQuery.text()).toBe(
      "retry: 3000\n\nid: 2\nevent: wirekit-position\ndata: 2\n\nid: 4\nevent: a\ndata: three\n\n",
    );
    // And live after the replay, in order.
    await broker.publish("a", "live\nline two");
    await untilContains(byQuery.text, "line two");
    expect(byQuery.text()).toContain("id: 5\nevent: a\ndata: live\ndata: line two\n\n");
  });

  it("resumes FetchEventSource from its lastEventId", async () => {
    const { broker, url } = await startStream();
    await broker.publish("a", "old");
    await broker.publish("a", "missed");
    const source = new FetchEventSource(`${url}?channels=a`, { lastEventId: "1" });
    onTestFinished(() => source.close());
    const seen: string[] = [];
    source.addEventListener("a", (event) => seen.push(`${event.data}@${event.lastEventId}`));
    await vi.waitFor(() => expect(seen).toEqual(["missed@2"]));
    await broker.publish("a", "live");
    await vi.waitFor(() => expect(seen).toEqual(["missed@2", "live@3"]));
  });

  it("tells a fresh stream where it stands, so a quiet one resumes across a restart", async () => {
    const broker = createMemoryBroker({ epoch: 0 });
    await broker.publish("elsewhere", "seq 1");
    const first = await startStream({ broker, retry: 20 });
    const raw = await openStream(`${first.url}?channels=quiet`);
    await untilContains(raw.text, "wirekit-position");
    expect(raw.text()).toBe("retry: 20\n\nid: 1\nevent: wirekit-position\ndata: 1\n\n");

    const channels = new EventStreamChannels({
      url: first.url,
      debounce: 10,
      lifecycle: createPageLifecycleControls(),
      retryDelay: exponentialBackoff({ initialDelay: 20, maxDelay: 50 }),
      FetchEventSource,
    });
    onTestFinished(() => channels.dispose());
    const seen: string[] = [];
    channels.subscribe("quiet", (event) => {
      if (event.type === "message") seen.push(`${String(event.data)}@${event.id}`);
    });
    await vi.waitFor(() => expect(channels.lastId()).toBe("1"));
    // The server goes away; something is published before the client is back.
    first.handler.close();
    await broker.publish("quiet", "while away");
    await vi.waitFor(() => expect(seen).toEqual(["while away@2"]));
  });

  it("resumes from the 16-digit seqs of an epoch-seeded broker, and calls an unreadable id a gap", async () => {
    const { broker, url } = await startStream({ broker: createMemoryBroker() });
    const { seq } = await broker.publish("a", "seen");
    expect(String(seq)).toHaveLength(16);
    await broker.publish("a", "missed");
    const resumed = await openStream(`${url}?channels=a`, { "Last-Event-ID": String(seq) });
    await untilContains(resumed.text, "data: missed");
    expect(resumed.text()).toBe(
      `retry: 3000\n\nid: ${seq}\nevent: wirekit-position\ndata: ${seq}\n\n` +
        `id: ${seq + 1}\nevent: a\ndata: missed\n\n`,
    );

    for (const unreadable of ["x1", "1.5", "9".repeat(17)]) {
      const stream = await openStream(`${url}?channels=a`, { "Last-Event-ID": unreadable });
      await untilContains(stream.text, "wirekit-position");
      expect(stream.text()).toBe(
        `retry: 3000\n\nevent: wirekit-gap\ndata: \n\n` +
          `id: ${seq + 1}\nevent: wirekit-position\ndata: ${seq + 1}\n\n`,
      );
    }
  });

  it("announces a gap when the history no longer reaches Last-Event-ID", async () => {
    const { broker, url } = await startStream({
      broker: createMemoryBroker({ historySize: 1, epoch: 0 }),
    });
    await broker.publish("a", "1");
    await broker.publish("a", "2");
    await broker.publish("a", "3");
    const stream = await openStream(`${url}?channels=a`, { "Last-Event-ID": "1" });
    await untilContains(stream.text, "wirekit-position");
    // The gap, then where the stream goes on from: what the client missed is refetched, not
    // half replayed.
    expect(stream.text()).toBe(
      "retry: 3000\n\nevent: wirekit-gap\ndata: 1\n\nid: 3\nevent: wirekit-position\ndata: 3\n\n",
    );
    await broker.publish("a", "4");
    await untilContains(stream.text, "data: 4");
    expect(stream.text().endsWith("id: 4\nevent: a\ndata: 4\n\n")).toBe(true);
  });

  it("tells every channel of EventStreamChannels about a gap, then goes on live", async () => {
    const { broker, url } = await startStream({
      broker: createMemoryBroker({ historySize: 1, epoch: 0 }),
    });
    for (const data of ["1", "2", "3"]) await broker.publish("a", data);
    const channels = new EventStreamChannels({
      url,
      debounce: 10,
      lastEventId: "1",
      lifecycle: createPageLifecycleControls(),
      FetchEventSource,
    });
    onTestFinished(() => channels.dispose());
    const seen: string[] = [];
    for (const name of ["a", "b"]) {
      channels.subscribe(name, (event) => {
        if (event.type === "subscribed") seen.push(`${name}: gap ${event.recovered}`);
        if (event.type === "message") seen.push(`${name}: ${String(event.data)}@${event.id}`);
      });
    }
    await vi.waitFor(() => expect(seen).toEqual(["a: gap false", "b: gap false"]));
    await broker.publish("b", "live");
    await vi.waitFor(() => expect(seen).toEqual(["a: gap false", "b: gap false", "b: live@4"]));
  });

  it("announces a gap its broker reports mid-stream, and moves the stream's id past it", async () => {
    const lossy = createLossyBroker();
    const { url } = await startStream({ broker: lossy.broker });
    const raw = await openStream(`${url}?channels=a,b`);
    const channels = new EventStreamChannels({
      url,
      debounce: 10,
      lifecycle: createPageLifecycleControls(),
      FetchEventSource,
    });
    onTestFinished(() => channels.dispose());
    const seen: string[] = [];
    for (const name of ["a", "b"]) {
      channels.subscribe(name, (event) => {
        if (event.type === "subscribed") seen.push(`${name}: recovered ${event.recovered}`);
        if (event.type === "message") seen.push(`${name}: ${String(event.data)}@${event.id}`);
      });
    }
    // Where the stream opened: everything after it follows.
    await vi.waitFor(() => expect(seen).toEqual(["a: recovered true", "b: recovered true"]));
    await untilContains(raw.text, "wirekit-position");
    await lossy.broker.publish("a", "before");
    await vi.waitFor(() => expect(seen.at(-1)).toBe("a: before@1"));
    await lossy.lose("a", ["lost 1", "lost 2"]);
    await vi.waitFor(() => expect(channels.lastId()).toBe("3"));
    await lossy.broker.publish("b", "after");

    await untilContains(raw.text, "data: after");
    expect(raw.text()).toBe(
      "retry: 3000\n\nid: 0\nevent: wirekit-position\ndata: 0\n\n" +
        "id: 1\nevent: a\ndata: before\n\n" +
        "event: wirekit-gap\ndata: 1\n\nid: 3\nevent: wirekit-position\ndata: 3\n\n" +
        "id: 4\nevent: b\ndata: after\n\n",
    );
    await vi.waitFor(() =>
      expect(seen.slice(2)).toEqual([
        "a: before@1",
        "a: recovered false",
        "b: recovered false",
        "b: after@4",
      ]),
    );
  });

  it("calls an event that comes after a newer one of another channel a gap, never dropping it unseen", async () => {
    const lossy = createLossyBroker();
    const { url } = await startStream({ broker: lossy.broker });
    const stream = await openStream(`${url}?channels=a,b`);
    await untilContains(stream.text, "wirekit-position");
    await lossy.broker.publish("b", "first");
    await untilContains(stream.text, "data: first");

    const release = lossy.hold("a");
    await lossy.broker.publish("a", "late"); // seq 2
    await lossy.broker.publish("b", "newer"); // seq 3
    await untilContains(stream.text, "data: newer");
    release();
    await lossy.broker.publish("a", "after"); // seq 4
    await untilContains(stream.text, "data: after");
    expect(stream.text()).toBe(
      "retry: 3000\n\nid: 0\nevent: wirekit-position\ndata: 0\n\n" +
        "id: 1\nevent: b\ndata: first\n\nid: 3\nevent: b\ndata: newer\n\n" +
        "event: wirekit-gap\ndata: 3\n\nid: 4\nevent: a\ndata: after\n\n",
    );
  });

  it("encodes an event once for every stream of its channel", async () => {
    const { broker, url } = await startStream();
    const streams = await Promise.all([0, 1, 2].map(() => openStream(`${url}?channels=room`)));
    for (const stream of streams) await untilContains(stream.text, "event: wirekit-position\n");
    let encodings = 0;
    await broker.publish("room", {
      toJSON: () => {
        encodings++;
        return { text: "hi" };
      },
    });
    for (const stream of streams) {
      await untilContains(stream.text, 'id: 1\nevent: room\ndata: {"text":"hi"}\n\n');
    }
    expect(encodings).toBe(1);
  });

  it("sends heartbeat comments on its interval", async () => {
    const { url } = await startStream({ heartbeatInterval: 10 });
    const stream = await openStream(`${url}?channels=a`);
    await vi.waitFor(() =>
      expect(stream.text().split(": heartbeat\n\n").length).toBeGreaterThan(3),
    );
  });

  it("refuses a request without channels or with a line break in one", async () => {
    const { url } = await startStream();
    expect((await openStream(url)).response.statusCode).toBe(400);
    expect((await openStream(`${url}?channels=a%0Aid:%209`)).response.statusCode).toBe(400);
  });

  it("cuts a client that stops reading once its buffer is over the limit, and serves the others", async () => {
    const maxBufferedBytes = 64 * 1024;
    const { broker, handler, url } = await startStream({ maxBufferedBytes });
    const slow = await openStream(`${url}?channels=a`);
    slow.response.pause();
    const healthy = await openStream(`${url}?channels=a`);
    await vi.waitFor(() => expect(handler.streams).toBe(2));
    const chunk = "x".repeat(8 * 1024);
    let published = 0;
    // Loopback socket buffers hold a few megabytes; the bound keeps a broken cut from hanging.
    while (handler.slowClientsCut === 0 && published < 20_000) {
      await broker.publish("a", `${++published} ${chunk}`);
      // Lets the healthy client read: it keeps up, the paused one cannot.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(handler.slowClientsCut).toBe(1);
    expect(handler.streams).toBe(1);
    await broker.publish("a", "after the cut");
    await untilContains(healthy.text, "data: after the cut");
    slow.response.resume();
    await slow.ended;
    expect(slow.text()).toMatch(/: closed: the client reads too slowly[^\n]*\n\n$/);
    expect(slow.text()).not.toContain("after the cut");
  });

  describe("CORS", () => {
    it("reflects an allowed origin and refuses a foreign one with 403", async () => {
      const { url } = await startStream({ allowedOrigins: ["https://app.example"] });
      const allowed = await openStream(`${url}?channels=a`, { Origin: "https://app.example" });
      expect(allowed.response.statusCode).toBe(200);
      expect(allowed.response.headers["access-control-allow-origin"]).toBe("https://app.example");
      expect(allowed.response.headers["access-control-allow-credentials"]).toBe("true");
      const foreign = await openStream(`${url}?channels=a`, { Origin: "https://evil.example" });
      expect(foreign.response.statusCode).toBe(403);
      expect(foreign.response.headers["access-control-allow-origin"]).toBeUndefined();
      // Not from a browser page: no Origin, served.
      expect((await openStream(`${url}?channels=a`)).response.statusCode).toBe(200);
    });

    it("answers a preflight allowing Last-Event-ID and Authorization", async () => {
      const { url } = await startStream({ allowedOrigins: ["https://app.example"] });
      const preflight = await fetch(`${url}?channels=a`, {
        method: "OPTIONS",
        headers: {
          Origin: "https://app.example",
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "last-event-id, authorization",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
      const allowedHeaders = preflight.headers.get("access-control-allow-headers") ?? "";
      expect(allowedHeaders).toContain("Last-Event-ID");
      expect(allowedHeaders).toContain("Authorization");
      const foreign = await fetch(url, {
        method: "OPTIONS",
        headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" },
      });
      expect(foreign.status).toBe(403);
    });

    it("refuses any cross-origin request when no origins are allowed", async () => {
      const { url } = await startStream();
      const foreign = await openStream(`${url}?channels=a`, { Origin: "https://app.example" });
      expect(foreign.response.statusCode).toBe(403);
    });
  });
});
