// Resumption end to end: a real channel server restarted under a wirekit client. Every message
// arrives exactly once, in order, or the client is told plainly that there is a gap.
import { type ChannelEvent, PublishError } from "@wirekit/core";
import { createMemoryBroker } from "@wirekit/server";
import { describe, expect, it, vi } from "vitest";
import { clientFor, listenTo, rawClient, startChannels } from "./support/channels.js";
import { createLossyBroker } from "./support/lossyBroker.js";

const messages = (events: readonly ChannelEvent[]) =>
  events.flatMap((event) => (event.type === "message" ? [event.data] : []));
const subscriptions = (events: readonly ChannelEvent[]) =>
  events.flatMap((event) =>
    event.type === "subscribed" ? [{ recovered: event.recovered, position: event.position }] : [],
  );

describe("channel resumption", () => {
  it("resumes a channel that never had a message: what was published while away arrives", async () => {
    const broker = createMemoryBroker({ epoch: 0 });
    const first = await startChannels({ broker });
    const port = first.server.address().port;
    const client = clientFor(first.url);
    listenTo(client, "quiet");
    await vi.waitFor(() => expect(subscriptions(client.events)).toHaveLength(1));
    expect(client.channels.lastId("quiet")).toBe("0");

    await first.server.close();
    await vi.waitFor(() => expect(client.connection.getSnapshot().status).not.toBe("open"));
    await broker.publish("quiet", "while you were away");
    await startChannels({ broker, port });

    await vi.waitFor(() => expect(messages(client.events)).toEqual(["while you were away"]));
    expect(subscriptions(client.events)).toEqual([
      { recovered: true, position: "0" },
      { recovered: true, position: "0" },
    ]);
  });

  it("reports a gap, never a wrong replay, when the server restarts having lost its broker", async () => {
    const first = await startChannels({ broker: createMemoryBroker() });
    const port = first.server.address().port;
    const client = clientFor(first.url);
    listenTo(client, "room");
    await vi.waitFor(() => expect(subscriptions(client.events)).toHaveLength(1));
    await first.broker.publish("room", "before");
    await vi.waitFor(() => expect(messages(client.events)).toEqual(["before"]));

    await first.server.close();
    // A new process with nothing persisted; it numbers from a later epoch. What it publishes
    // before the client is back must not be mistaken for what comes after the client's id.
    const second = await startChannels({ broker: createMemoryBroker(), port });
    for (const data of ["lost 1", "lost 2"]) await second.broker.publish("room", data);

    await vi.waitFor(() => expect(subscriptions(client.events)).toHaveLength(2));
    expect(subscriptions(client.events)[1]).toEqual({
      recovered: false,
      position: await second.broker.position("room"),
    });
    await second.broker.publish("room", "after");
    await vi.waitFor(() => expect(messages(client.events)).toEqual(["before", "after"]));
  });

  it("tells a live subscriber of messages its broker lost, mid-subscription, and goes on after them", async () => {
    const lossy = createLossyBroker();
    const { url } = await startChannels({ broker: lossy.broker });
    const raw = await rawClient(url);
    const client = clientFor(url);
    listenTo(client, "room");
    raw.socket.send(JSON.stringify({ type: "subscribe", channel: "room" }));
    await vi.waitFor(() => expect(raw.frames).toHaveLength(1));
    await vi.waitFor(() => expect(subscriptions(client.events)).toHaveLength(1));
    await lossy.broker.publish("room", "before");
    expect(await lossy.lose("room", ["lost 1", "lost 2"])).toMatchObject({ position: "3" });
    await lossy.broker.publish("room", "after");

    await vi.waitFor(() => expect(raw.frames).toHaveLength(4));
    expect(raw.frames).toEqual([
      { type: "subscribed", channel: "room", recovered: true, position: "0" },
      { type: "message", channel: "room", id: "1", data: "before" },
      { type: "subscribed", channel: "room", recovered: false, position: "3" },
      { type: "message", channel: "room", id: "4", data: "after" },
    ]);
    // The wirekit client takes it as a gap, and stands past it: a reconnect resumes from there.
    await vi.waitFor(() => expect(messages(client.events)).toEqual(["before", "after"]));
    expect(subscriptions(client.events)).toEqual([
      { recovered: true, position: "0" },
      { recovered: false, position: "3" },
    ]);
    expect(client.events.filter((event) => event.type === "error")).toEqual([]);
  });

  it("resumes across page loads from a stored id with resumeFrom", async () => {
    const { broker, url } = await startChannels({ broker: createMemoryBroker({ epoch: 0 }) });
    const before = clientFor(url);
    listenTo(before, "room");
    listenTo(before, "quiet");
    await vi.waitFor(() => expect(subscriptions(before.events)).toHaveLength(2));
    await broker.publish("room", "seen");
    await vi.waitFor(() => expect(messages(before.events)).toEqual(["seen"]));
    // What a page would keep in sessionStorage before it unloads.
    const stored = {
      room: before.channels.lastId("room") as string,
      quiet: before.channels.lastId("quiet") as string,
    };
    expect(stored).toEqual({ room: "1", quiet: "0" });
    before.channels.dispose();
    before.connection.close();

    for (const [channel, data] of [
      ["room", "missed"],
      ["quiet", "missed quietly"],
    ] as const) {
      await broker.publish(channel, data);
    }

    const after = clientFor(url);
    const heard: string[] = [];
    for (const channel of ["room", "quiet"] as const) {
      after.channels.subscribe(
        channel,
        (event) => event.type === "message" && heard.push(`${channel}: ${String(event.data)}`),
        { resumeFrom: stored[channel] },
      );
    }
    await vi.waitFor(() => expect(heard.sort()).toEqual(["quiet: missed quietly", "room: missed"]));
    expect(() => after.channels.subscribe("x", () => {}, { resumeFrom: "not an id" })).toThrow(
      TypeError,
    );
  });

  it("settles every publish exactly once with a typed outcome when the server goes away", async () => {
    const broker = createMemoryBroker({ epoch: 0 });
    const first = await startChannels({ broker });
    const port = first.server.address().port;
    const client = clientFor(first.url);
    listenTo(client, "room");
    await vi.waitFor(() => expect(subscriptions(client.events)).toHaveLength(1));

    const settled: string[] = [];
    const track = (promise: Promise<unknown>) =>
      promise.then(
        () => settled.push("acked"),
        (error: unknown) =>
          settled.push(error instanceof PublishError ? `PublishError ${error.code}` : "untyped"),
      );
    const inFlight = Array.from({ length: 20 }, (_, n) =>
      track(client.channels.publish("room", n)),
    );
    await first.server.close();
    const queued = Array.from({ length: 5 }, (_, n) => track(client.channels.publish("room", n)));
    await startChannels({ broker, port });
    await Promise.all([...inFlight, ...queued]);

    expect(settled).toHaveLength(25);
    expect(settled.filter((outcome) => outcome === "untyped")).toEqual([]);
    expect(client.channels.pending).toBe(0);
  });
});
