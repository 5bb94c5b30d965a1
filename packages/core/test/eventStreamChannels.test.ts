// Channels over one event stream, against a real node:http server.
import { EventStreamChannels, exponentialBackoff } from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import { createPageLifecycleControls } from "@wirekit/testing";
import { expect, it, onTestFinished, vi } from "vitest";
import { EVENT_STREAM_HEADERS, startServer } from "./support/httpServer.js";

/** A stream server: sends, for each requested channel, its events after Last-Event-ID. */
async function channelStreamServer() {
  let sequence = 0;
  const log: Array<{ id: number; channel: string; data: string }> = [];
  const streams = new Set<{ channels: string[]; write: (text: string) => void }>();
  const server = await startServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const channels = (url.searchParams.get("channels") ?? "").split(",").filter(Boolean);
    const after = Number(request.headers["last-event-id"] ?? 0);
    response.writeHead(200, EVENT_STREAM_HEADERS);
    const stream = { channels, write: (text: string) => response.write(text) };
    for (const entry of log) {
      if (entry.id > after && channels.includes(entry.channel)) {
        stream.write(`id: ${entry.id}\nevent: ${entry.channel}\ndata: ${entry.data}\n\n`);
      }
    }
    streams.add(stream);
    response.on("close", () => streams.delete(stream));
  });
  return {
    ...server,
    publish(channel: string, data: string) {
      const entry = { id: ++sequence, channel, data };
      log.push(entry);
      for (const stream of streams) {
        if (stream.channels.includes(channel)) {
          stream.write(`id: ${entry.id}\nevent: ${channel}\ndata: ${data}\n\n`);
        }
      }
    },
    get open() {
      return streams.size;
    },
  };
}

function channelsFor(url: string, options: { connectTimeout?: number } = {}) {
  const channels = new EventStreamChannels({
    ...options,
    url,
    debounce: 20,
    lifecycle: createPageLifecycleControls(),
    retryDelay: exponentialBackoff({ initialDelay: 20, maxDelay: 50 }),
    FetchEventSource,
  });
  onTestFinished(() => channels.dispose());
  return channels;
}

it("carries the channel set in the URL and routes named events to their channels", async () => {
  const server = await channelStreamServer();
  const channels = channelsFor(server.url("/stream"));
  const seen: string[] = [];
  channels.subscribe(
    "prices",
    (event) => event.type === "message" && seen.push(`prices ${event.data}@${event.id}`),
  );
  channels.subscribe(
    "trades",
    (event) => event.type === "message" && seen.push(`trades ${event.data}@${event.id}`),
  );
  await vi.waitFor(() => expect(server.open).toBe(1));
  expect(server.requests.map((request) => request.path)).toEqual([
    "/stream?channels=prices%2Ctrades",
  ]);
  server.publish("prices", "1");
  server.publish("news", "ignored");
  server.publish("trades", "2");
  await vi.waitFor(() => expect(seen).toEqual(["prices 1@1", "trades 2@3"]));
});

it("reconnects once, resuming from Last-Event-ID, when the set changes", async () => {
  const server = await channelStreamServer();
  const channels = channelsFor(server.url("/stream"));
  const seen: string[] = [];
  const listen = (name: string) =>
    channels.subscribe(
      name,
      (event) => event.type === "message" && seen.push(`${name} ${event.data}`),
    );
  const stopA = listen("a");
  await vi.waitFor(() => expect(server.open).toBe(1));
  server.publish("a", "1");
  await vi.waitFor(() => expect(seen).toEqual(["a 1"]));
  // Three changes in a row: one reconnect.
  listen("b");
  listen("c");
  stopA();
  await vi.waitFor(() => expect(server.requests).toHaveLength(2));
  expect(server.requests[1]?.path).toBe("/stream?channels=b%2Cc");
  expect(server.requests[1]?.headers["last-event-id"]).toBe("1");
  server.publish("a", "gone");
  server.publish("b", "2");
  server.publish("c", "3");
  await vi.waitFor(() => expect(seen).toEqual(["a 1", "b 2", "c 3"]));
  expect(server.requests).toHaveLength(2);
});

it("closes the stream when the last channel is left", async () => {
  const server = await channelStreamServer();
  const channels = channelsFor(server.url("/stream"));
  const stop = channels.subscribe("a", () => {});
  await vi.waitFor(() => expect(server.open).toBe(1));
  stop();
  await vi.waitFor(() => expect(channels.connection.getSnapshot().status).toBe("closed"));
  await vi.waitFor(() => expect(server.open).toBe(0));
  expect(() => channels.subscribe("a,b", () => {})).toThrow(TypeError);
});

it("reopens with the new set when the set changes while a reconnect is on its way", async () => {
  // The second stream is held unanswered: a reconnect in flight, asked with the old set.
  const held: Array<() => void> = [];
  const server = await startServer((_request, response, index) => {
    if (index === 1) {
      held.push(() => response.writeHead(200, EVENT_STREAM_HEADERS).flushHeaders());
      return;
    }
    response.writeHead(200, EVENT_STREAM_HEADERS).flushHeaders();
    if (index === 0) response.end();
  });
  // No connect timeout to end the held attempt: only the change of the set may.
  const channels = channelsFor(server.url("/stream"), { connectTimeout: 3_600_000 });
  channels.subscribe("a", () => {});
  await vi.waitFor(() => expect(held).toHaveLength(1));
  expect(server.requests.map((request) => request.path)).toEqual([
    "/stream?channels=a",
    "/stream?channels=a",
  ]);
  expect(channels.connection.getSnapshot()).toMatchObject({
    status: "reconnecting",
    nextRetryAt: null,
  });
  channels.subscribe("b", () => {});
  await vi.waitFor(() => expect(server.requests).toHaveLength(3));
  expect(server.requests[2]?.path).toBe("/stream?channels=a%2Cb");
  // The stale attempt answering late changes nothing: the stream is the one with both.
  for (const answer of held) answer();
  await vi.waitFor(() => expect(channels.connection.getSnapshot().status).toBe("open"));
  expect(server.requests).toHaveLength(3);
});
