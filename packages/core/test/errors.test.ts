// Every error wirekit reports has one shape: a code, the failure's details as members, a cause.
import {
  ChannelProtocolError,
  ChannelServerError,
  ConnectionError,
  MessageError,
  PublishError,
  WirekitError,
} from "@wirekit/core";
import { EventStreamParseError } from "@wirekit/core/event-source";
import { describe, expect, it } from "vitest";

describe("wirekit's errors", () => {
  const cause = new Error("underneath");
  it.each([
    [
      new ConnectionError("http-status", "refused", { status: 503, retryAfter: 2000, cause }),
      { name: "ConnectionError", code: "http-status", status: 503, retryAfter: 2000, cause },
    ],
    [
      new MessageError("schema", "invalid", { issues: [{ message: "no" }] }),
      { name: "MessageError", code: "schema", issues: [{ message: "no" }] },
    ],
    [
      new ChannelProtocolError("duplicate", "again", { channel: "room" }),
      { name: "ChannelProtocolError", code: "duplicate", channel: "room" },
    ],
    [
      new ChannelServerError({ type: "error", code: "forbidden", reason: "no", channel: "room" }),
      { name: "ChannelServerError", code: "forbidden", message: "no", channel: "room" },
    ],
    [
      new PublishError("server", "refused", { channel: "room", cause }),
      { name: "PublishError", code: "server", channel: "room", cause },
    ],
    [
      new EventStreamParseError("invalid-id", "bad id", { field: "id", value: "x".repeat(300) }),
      { name: "EventStreamParseError", code: "invalid-id", field: "id", value: "x".repeat(256) },
    ],
  ] as const)("are WirekitErrors with their code and details: %s", (error, expected) => {
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(WirekitError);
    expect(error).toMatchObject(expected);
  });

  it("have no cause unless given one", () => {
    expect("cause" in new ConnectionError("network", "down")).toBe(false);
  });

  it("keep the members every instance of their class has, given or not", () => {
    // An app's own parse may throw a MessageError with no issues to give.
    expect(new MessageError("parse", "not a number").issues).toEqual([]);
    const error = new ChannelProtocolError("bad-frame", "not JSON");
    expect(Object.hasOwn(error, "channel")).toBe(true);
    expect(error.channel).toBeUndefined();
  });
});
