// Where a channel subscription stands, as its listeners hear it: the server's `subscribed`, a
// second listener joining, and messages of an earlier subscription still on their way.
import { ChannelClient, type ChannelEvent } from "@wirekit/core";
import { describe, expect, it } from "vitest";
import { scriptedConnection } from "./support/scriptedTransport.js";

function setup() {
  const { clock, transport, connection } = scriptedConnection();
  const channels = new ChannelClient(connection, { clock, sendRate: false });
  connection.connect();
  transport.last.open();
  const serverSends = (frame: object) => transport.last.message({ data: JSON.stringify(frame) });
  return { transport, channels, serverSends };
}

describe("a channel subscription", () => {
  it("tells a listener that joins a live channel where it stands, as the first one heard", () => {
    const { channels, serverSends } = setup();
    const first: ChannelEvent[] = [];
    const second: ChannelEvent[] = [];
    channels.subscribe("room", (event) => first.push(event));
    serverSends({ type: "subscribed", channel: "room", recovered: true, position: "4" });
    serverSends({ type: "message", channel: "room", id: "5", data: "hi" });
    channels.subscribe("room", (event) => second.push(event));
    expect(second).toEqual([
      { type: "subscribed", channel: "room", recovered: true, position: "5" },
    ]);
    expect(first.map((event) => event.type)).toEqual(["subscribed", "message"]);
  });

  it("says nothing to a listener that joins before the server has answered", () => {
    const { channels, serverSends } = setup();
    const heard: ChannelEvent[] = [];
    channels.subscribe("room", () => {});
    channels.subscribe("room", (event) => heard.push(event));
    expect(heard).toEqual([]);
    serverSends({ type: "subscribed", channel: "room", recovered: true, position: "0" });
    expect(heard).toHaveLength(1);
  });

  it("never moves its place back when a message of an earlier subscription came first", () => {
    const { transport, channels, serverSends } = setup();
    const stop = channels.subscribe("room", () => {});
    serverSends({ type: "subscribed", channel: "room", recovered: true, position: "0" });
    stop();
    const heard: ChannelEvent[] = [];
    channels.subscribe("room", (event) => heard.push(event), { resumeFrom: "2" });
    // Still on its way from the first subscription, before the server read the unsubscribe.
    serverSends({ type: "message", channel: "room", id: "3", data: "late" });
    serverSends({ type: "subscribed", channel: "room", recovered: true, position: "2" });
    // The replay after 2 overlaps what already came.
    serverSends({ type: "message", channel: "room", id: "3", data: "late" });
    serverSends({ type: "message", channel: "room", id: "4", data: "new" });
    expect(heard.filter((event) => event.type === "message").map((event) => event.id)).toEqual([
      "3",
      "4",
    ]);
    expect(channels.lastId("room")).toBe("4");
    expect(transport.last.sent.map((data) => JSON.parse(String(data)))).toEqual([
      { type: "subscribe", channel: "room" },
      { type: "unsubscribe", channel: "room" },
      { type: "subscribe", channel: "room", resume: "2" },
    ]);
  });

  it("takes the replay of a resubscription whose earlier subscribe's answer came first", () => {
    const { transport, channels, serverSends } = setup();
    const stop = channels.subscribe("room", () => {});
    stop();
    const heard: ChannelEvent[] = [];
    channels.subscribe("room", (event) => heard.push(event), { resumeFrom: "5" });
    expect(transport.last.sent.map((data) => JSON.parse(String(data)))).toEqual([
      { type: "subscribe", channel: "room" },
      { type: "unsubscribe", channel: "room" },
      { type: "subscribe", channel: "room", resume: "5" },
    ]);
    // The server answers in order: the first subscribe starts now, at 10; the second resumes
    // from 5 and replays 6 to 10. No message came between the two answers.
    serverSends({ type: "subscribed", channel: "room", recovered: true, position: "10" });
    serverSends({ type: "subscribed", channel: "room", recovered: true, position: "5" });
    for (const id of ["6", "7", "8", "9", "10"]) {
      serverSends({ type: "message", channel: "room", id, data: id });
    }
    expect(heard.filter((event) => event.type === "message").map((event) => event.id)).toEqual([
      "6",
      "7",
      "8",
      "9",
      "10",
    ]);
  });

  it("refuses a `subscribed` whose position is no message id (PROTOCOL.md section 3)", () => {
    const { channels, serverSends } = setup();
    const heard: ChannelEvent[] = [];
    channels.subscribe("room", (event) => heard.push(event));
    serverSends({ type: "subscribed", channel: "room", recovered: true, position: "cursor-abc" });
    serverSends({ type: "message", channel: "room", id: "1", data: "hello" });
    // Taken for where the channel stands, it would have made every later message a duplicate.
    expect(heard.map((event) => event.type)).toEqual(["error", "message"]);
    expect(channels.lastId("room")).toBe("1");
  });

  it("answers a ping with its nonce, and nothing else the ping carried", () => {
    const { transport, serverSends } = setup();
    serverSends({ type: "ping", nonce: "n1", padding: "x".repeat(1000) });
    serverSends({ type: "ping" });
    expect(transport.last.sent.map((data) => JSON.parse(String(data)))).toEqual([
      { type: "pong", nonce: "n1" },
      { type: "pong" },
    ]);
  });
});
