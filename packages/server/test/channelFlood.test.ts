// Rate limits from both ends: a hostile flood is cut once and costs nothing after, and a good
// client's queue, however full, flushes at a pace the server accepts.
import { PublishError } from "@wirekit/core";
import { createPageLifecycleControls } from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { clientFor, closeOf, listenTo, rawClient, startChannels } from "./support/channels.js";

describe("the channel server under a flood", () => {
  it("cuts each flooding connection once, ignores what follows, and serves a good client on", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    onTestFinished(() => {
      process.off("warning", onWarning);
    });
    const { broker, server, url } = await startChannels();
    const good = clientFor(url);
    listenTo(good, "feed");
    await vi.waitFor(() => expect(good.events).toHaveLength(1));

    const floods = await Promise.all([rawClient(url), rawClient(url)]);
    const closes = floods.map(({ socket }) => closeOf(socket));
    const ping = JSON.stringify({ type: "ping" });
    for (const { socket } of floods) for (let n = 0; n < 40_000; n++) socket.send(ping);
    for (let n = 0; n < 200; n++) await broker.publish("feed", n);

    expect((await Promise.all(closes)).map((close) => close.code)).toEqual([4429, 4429]);
    await vi.waitFor(() =>
      expect(good.events.filter((event) => event.type === "message")).toHaveLength(200),
    );
    expect(server.counts.closedByPolicy).toBe(2);
    expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual(
      [],
    );
    expect(good.connection.getSnapshot().status).toBe("open");
  });

  it("flushes 1,000 publishes queued offline against its default limits, none refused", async () => {
    const { server, url } = await startChannels();
    const page = createPageLifecycleControls({ online: false });
    const client = clientFor(url, { lifecycle: page });
    listenTo(client, "outbox");
    const outcomes = Array.from({ length: 1000 }, (_, n) =>
      client.channels.publish("outbox", n).then(
        () => "acked",
        (error: unknown) => (error instanceof PublishError ? error.code : String(error)),
      ),
    );
    expect(client.connection.getSnapshot()).toMatchObject({ status: "paused", queued: 1000 });
    page.goOnline();
    const results = await Promise.all(outcomes);
    expect(results.filter((result) => result !== "acked")).toEqual([]);
    expect(server.counts.errorsSent).toBe(0);
    expect(server.counts.closedByPolicy).toBe(0);
  });

  it("answers every subscribe it refuses for its rate, naming the channel", async () => {
    const { url } = await startChannels({ rateLimit: { messages: 5, per: 1000 } });
    const { socket, frames } = await rawClient(url);
    for (let n = 0; n < 8; n++)
      socket.send(JSON.stringify({ type: "subscribe", channel: `c${n}` }));
    await vi.waitFor(() =>
      expect(frames.filter((frame) => frame["type"] !== "limits")).toHaveLength(8),
    );
    expect(frames.filter((frame) => frame["type"] === "error")).toEqual(
      ["c5", "c6", "c7"].map((channel) =>
        expect.objectContaining({ code: "rate-limited", frame: "subscribe", channel }),
      ),
    );
  });

  it("subscribes every channel of a client whose first burst is over its rate", async () => {
    const { url } = await startChannels({ rateLimit: { messages: 5, per: 1000 } });
    // The client's pace is the protocol's default until the server's limits frame is read: its
    // first burst of subscriptions goes out faster than this server allows.
    const client = clientFor(url);
    const subscribed = new Set<string>();
    for (let n = 0; n < 8; n++) {
      client.channels.subscribe(`c${n}`, (event) => {
        if (event.type === "subscribed") subscribed.add(event.channel);
      });
    }
    await vi.waitFor(() => expect(subscribed.size).toBe(8));
    expect(client.connection.getSnapshot().status).toBe("open");
  });

  it("comes back after the server closes it for its rate: 4429 is retried, never fatal", async () => {
    const { server, url } = await startChannels({ rateLimit: { messages: 5, per: 1000 } });
    const client = clientFor(url, { channels: { sendRate: false } });
    listenTo(client, "room");
    await vi.waitFor(() => expect(client.events).toHaveLength(1));
    // Before the limits frame is read, an eager client bursts past twice the limit.
    client.connection.pace(undefined);
    for (let n = 0; n < 20; n++) void client.channels.publish("room", n).catch(() => {});
    await vi.waitFor(() => expect(server.counts.closedByPolicy).toBe(1));
    // The server stops reading a condemned socket and cuts it after a grace period.
    await vi.waitFor(() =>
      expect(client.events.filter((e) => e.type === "subscribed")).toHaveLength(2),
    );
    expect(client.connection.getSnapshot().status).toBe("open");
  });
});
