// The channel protocol on the fake server, driven by wirekit's real ChannelClient.
import {
  CHANNEL_SUBPROTOCOL,
  type ChannelEvent,
  ConnectionManager,
  PresenceClient,
  webSocketChannels,
} from "@wirekit/core";
import {
  createFakeChannelServer,
  createFakeServer,
  createPageLifecycleControls,
  createVirtualClock,
} from "@wirekit/testing";
import { describe, expect, it, onTestFinished } from "vitest";

function setup(options: Parameters<typeof createFakeChannelServer>[1] = {}) {
  const clock = createVirtualClock();
  const server = createFakeServer({ clock, latency: 2 });
  const channelServer = createFakeChannelServer(server, { clock, ...options });
  const manager = new ConnectionManager({ clock, lifecycle: createPageLifecycleControls() });
  onTestFinished(() => manager.closeAll());
  const source = webSocketChannels({
    url: "ws://fake/realtime",
    WebSocket: server.WebSocket,
    retryDelay: () => 100,
  });
  const acquired = manager.acquire(source.endpoint);
  const lease = { ...acquired, channels: source.channelsOf(acquired) };
  const events: string[] = [];
  const record = (event: ChannelEvent) => {
    if (event.type === "message") events.push(`message ${event.id} ${JSON.stringify(event.data)}`);
    else if (event.type === "subscribed") events.push(`subscribed ${event.recovered}`);
    else events.push(`error ${event.error.code}`);
  };
  return { clock, server, channelServer, lease, events, record };
}

describe("createFakeChannelServer", () => {
  it("acknowledges publishes with the message id and delivers them to subscribers", async () => {
    const { clock, channelServer, lease, events, record } = setup();
    lease.channels.subscribe("room:1", record);
    await clock.advanceAsync(10);
    expect(channelServer.subscribers("room:1")).toBe(1);
    const published = lease.channels.publish("room:1", { text: "hi" });
    channelServer.publish("room:1", { text: "from a bot" });
    await clock.advanceAsync(10);
    await expect(published).resolves.toEqual({ id: "2" });
    expect(events).toEqual([
      "subscribed true",
      'message 1 {"text":"from a bot"}',
      'message 2 {"text":"hi"}',
    ]);
    expect(channelServer.history("room:1").map((message) => message.id)).toEqual(["1", "2"]);
  });

  it("replays what was missed during a drop, and reports a gap when the history is gone", async () => {
    const { clock, server, channelServer, lease, events, record } = setup({ historySize: 2 });
    lease.channels.subscribe("room:1", record);
    await clock.advanceAsync(10);
    channelServer.publish("room:1", "a");
    await clock.advanceAsync(10);
    server.drop();
    channelServer.publish("room:1", "b");
    channelServer.publish("room:1", "c");
    await clock.advanceAsync(200);
    expect(events).toEqual([
      "subscribed true",
      'message 1 "a"',
      "subscribed true",
      'message 2 "b"',
      'message 3 "c"',
    ]);
    server.drop();
    for (const data of ["d", "e", "f"]) channelServer.publish("room:1", data);
    await clock.advanceAsync(200);
    expect(events.slice(5)).toEqual(["subscribed false"]);
  });

  it("refuses what onPublish refuses, with a forbidden error the publish rejects with", async () => {
    const { clock, lease } = setup({ onPublish: ({ data }) => data !== "spam" });
    lease.channels.subscribe("room:1", () => {});
    const refused = lease.channels.publish("room:1", "spam");
    const outcome = expect(refused).rejects.toMatchObject({ code: "server" });
    await clock.advanceAsync(20);
    await outcome;
  });

  it("answers pings and forgets the subscribers of a socket that closed", async () => {
    const { clock, server, channelServer, lease } = setup();
    lease.channels.subscribe("room:1", () => {});
    await clock.advanceAsync(10);
    const replies: string[] = [];
    server.onConnection((socket) => socket.onMessage(() => {}));
    const raw = new server.WebSocket("ws://fake/realtime", CHANNEL_SUBPROTOCOL);
    raw.onmessage = (event) => replies.push(String(event.data));
    await clock.advanceAsync(10);
    raw.send('{"type":"ping","nonce":"n1"}');
    raw.send("not json");
    await clock.advanceAsync(10);
    expect(replies.map((reply) => JSON.parse(reply))).toEqual([
      { type: "pong", nonce: "n1" },
      expect.objectContaining({ type: "error", code: "bad-frame" }),
    ]);
    lease.release();
    await clock.advanceAsync(2000);
    expect(channelServer.subscribers("room:1")).toBe(0);
  });
});

describe("createFakeChannelServer: presence", () => {
  it("answers an enter with everyone, bots included, and holds a dropped member for the grace", async () => {
    const { clock, server, channelServer, lease } = setup({ presenceGrace: 1000 });
    channelServer.addMember("room", { id: "bot", data: "grace" });
    const presence = new PresenceClient(lease.channels, { key: "tab" });
    const views: string[] = [];
    presence.enter("room", "ada", (view) =>
      views.push(view.members.map((member) => `${member.id}=${member.data}`).join()),
    );
    await clock.advanceAsync(10);
    expect(views).toEqual(["bot=grace,key:tab=ada"]);
    channelServer.addMember("room", { id: "bot", data: "grace (typing)" });
    channelServer.removeMember("room", "bot");
    await clock.advanceAsync(10);
    expect(views.slice(1)).toEqual(["bot=grace (typing),key:tab=ada", "key:tab=ada"]);
    // The socket dies: the member stays through the reconnect (retry after 100 ms).
    server.drop();
    await clock.advanceAsync(500);
    expect(channelServer.presence("room").map((member) => member.id)).toEqual(["key:tab"]);
    expect(views.at(-1)).toBe("key:tab=ada");
    // Gone for good: the member leaves when the grace has passed, not before.
    server.stop();
    server.drop();
    await clock.advanceAsync(999);
    expect(channelServer.presence("room")).toHaveLength(1);
    await clock.advanceAsync(2);
    expect(channelServer.presence("room")).toEqual([]);
  });
});
