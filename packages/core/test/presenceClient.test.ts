// PresenceClient against a scripted fake server: what goes on the wire, and what bad or
// refusing answers do to the view (PROTOCOL.md section 11).
import {
  ChannelProtocolError,
  ConnectionManager,
  eventStreamChannels,
  PresenceClient,
  PresenceObserver,
  type PresenceView,
  webSocketChannels,
} from "@wirekit/core";
import {
  createFakeServer,
  createPageLifecycleControls,
  type FakeServerSocket,
} from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";

function setup() {
  const server = createFakeServer();
  const sockets: FakeServerSocket[] = [];
  const frames: Array<Record<string, unknown>> = [];
  server.onConnection((socket) => {
    sockets.push(socket);
    socket.onMessage((data) => frames.push(JSON.parse(String(data))));
  });
  const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
  onTestFinished(() => manager.closeAll());
  const source = webSocketChannels({ url: "ws://rt.test/", WebSocket: server.WebSocket });
  const lease = manager.acquire(source.endpoint);
  const channels = source.channelsOf(lease);
  const presence = new PresenceClient(channels, { key: "tab-1" });
  onTestFinished(() => presence.dispose());
  const reply = (frame: object) => sockets.at(-1)?.send(JSON.stringify(frame));
  return { server, sockets, frames, manager, source, channels, presence, reply };
}

describe("PresenceClient", () => {
  it("enters once per channel for every share, sends only changed data, leaves with the last share", async () => {
    const { frames, presence } = setup();
    const a = presence.enter("room", { nick: "ada" });
    const b = presence.enter("room", { nick: "ada" });
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    b.update({ nick: "ada" });
    b.update({ nick: "ada l." });
    a.leave();
    await vi.waitFor(() => expect(frames).toHaveLength(2));
    b.leave();
    await vi.waitFor(() => expect(frames).toHaveLength(3));
    expect(frames).toEqual([
      { type: "presence-enter", channel: "room", data: { nick: "ada" }, key: "tab-1" },
      { type: "presence-enter", channel: "room", data: { nick: "ada l." }, key: "tab-1" },
      { type: "presence-leave", channel: "room" },
    ]);
  });

  it("sends one enter and no leave when a share leaves and enters again at once (StrictMode)", async () => {
    const { frames, presence } = setup();
    presence.enter("lobby", null);
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    const mounted = presence.enter("room", { nick: "ada" });
    mounted.leave();
    const remounted = presence.enter("room", { nick: "ada" });
    // Something after, to know everything before it went out.
    remounted.update({ nick: "ada l." });
    await vi.waitFor(() => expect(frames.at(-1)).toMatchObject({ data: { nick: "ada l." } }));
    expect(frames.slice(1)).toEqual([
      { type: "presence-enter", channel: "room", data: { nick: "ada" }, key: "tab-1" },
      { type: "presence-enter", channel: "room", data: { nick: "ada l." }, key: "tab-1" },
    ]);
  });

  it("enters with data JSON cannot write, rather than taking it for data never sent", async () => {
    const { frames, presence } = setup();
    presence.enter("lobby", null);
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    presence.enter("room", () => "not JSON");
    await vi.waitFor(() => expect(frames).toHaveLength(2));
    expect(frames[1]).toMatchObject({ type: "presence-enter", channel: "room" });
  });

  it("builds the view from the snapshot and the diffs, and shows a refusal as a typed error", async () => {
    const { frames, presence, reply } = setup();
    const views: PresenceView[] = [];
    presence.enter("room", "x".repeat(10), (view) => views.push(view));
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    reply({ type: "presence", channel: "room", members: [{ id: "a", data: 1 }], self: "a" });
    reply({ type: "presence-diff", channel: "room", join: [{ id: "b", data: 2 }], leave: [] });
    reply({ type: "presence-diff", channel: "room", join: [], leave: ["a"] });
    reply({
      type: "error",
      code: "too-large",
      reason: "big",
      frame: "presence-enter",
      channel: "room",
    });
    await vi.waitFor(() => expect(views).toHaveLength(4));
    expect(views.map((view) => view.members.map((member) => member.id).join())).toEqual([
      "a",
      "a,b",
      "b",
      "b",
    ]);
    expect(views[3]?.self).toBe("a");
    expect(views[3]?.error?.code).toBe("too-large");
    expect(Object.isFrozen(views[0])).toBe(true);
  });

  it("keeps telling a share whose listener another share also entered with, after that one leaves", async () => {
    const { frames, presence, reply } = setup();
    const views: PresenceView[] = [];
    const listener = (view: PresenceView) => views.push(view);
    const first = presence.enter("room", null, listener);
    presence.enter("room", null, listener);
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    first.leave();
    reply({ type: "presence", channel: "room", members: [{ id: "a", data: null }], self: "a" });
    await vi.waitFor(() => expect(views.map((view) => view.self)).toEqual(["a"]));
  });

  it("reports a malformed presence frame as bad input and keeps the view", async () => {
    const { frames, presence, channels, reply } = setup();
    const errors: unknown[] = [];
    channels.onError((error) => errors.push(error));
    const views: PresenceView[] = [];
    presence.enter("room", null, (view) => views.push(view));
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    reply({ type: "presence", channel: "room", members: [{ data: "no id" }], self: "a" });
    reply({ type: "presence-diff", channel: "room", leave: [42] });
    await vi.waitFor(() => expect(errors).toHaveLength(2));
    expect(errors.every((error) => error instanceof ChannelProtocolError)).toBe(true);
    expect((errors[0] as ChannelProtocolError).code).toBe("bad-frame");
    expect(views).toEqual([]);
  });

  it("refuses a bad key and a bad channel with a TypeError", () => {
    const { channels, presence } = setup();
    expect(() => new PresenceClient(channels, { key: "" })).toThrow(TypeError);
    expect(() => presence.enter("", null)).toThrow(TypeError);
  });

  it("keeps data set while unmounted for the next mount, and sends nothing meanwhile", async () => {
    const { frames, manager, source } = setup();
    const observer = new PresenceObserver(manager, { source, channel: "lobby", key: "tab-2" });
    const unmount = observer.mount();
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    unmount();
    await vi.waitFor(() => expect(frames).toHaveLength(2));
    observer.setData({ nick: "ada" });
    expect(observer.getSnapshot().members).toEqual([]);
    observer.mount();
    await vi.waitFor(() => expect(frames).toHaveLength(3));
    expect(frames).toEqual([
      { type: "presence-enter", channel: "lobby", data: null, key: "tab-2" },
      { type: "presence-leave", channel: "lobby" },
      { type: "presence-enter", channel: "lobby", data: { nick: "ada" }, key: "tab-2" },
    ]);
  });

  it("refuses an event stream in the observer: presence needs frames both ways", () => {
    const { manager } = setup();
    const observer = new PresenceObserver(manager, {
      source: eventStreamChannels({
        url: "http://rt.test/stream",
        EventSource: createFakeServer().EventSource,
      }),
      channel: "room",
    });
    expect(() => observer.mount()).toThrow(/WebSocket channels/);
  });
});
