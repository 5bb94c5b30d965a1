import {
  binaryChannelProtocol,
  CHANNEL_SUBPROTOCOL,
  type ChannelProtocol,
  ChannelProtocolError,
  isNewerId,
  jsonChannelProtocol as protocol,
} from "@wirekit/core";
import { describe, expect, it } from "vitest";

const encoder = new TextEncoder();

/** A binary frame as PROTOCOL.md section 5 lays it out. */
function binaryFrame(header: object | string, payload: number[]): ArrayBuffer {
  const headerBytes = encoder.encode(typeof header === "string" ? header : JSON.stringify(header));
  const frame = new Uint8Array(4 + headerBytes.length + payload.length);
  new DataView(frame.buffer).setUint32(0, headerBytes.length);
  frame.set(headerBytes, 4);
  frame.set(payload, 4 + headerBytes.length);
  return frame.buffer;
}

function decodeError(
  data: string | ArrayBuffer,
  reader: ChannelProtocol = protocol,
): ChannelProtocolError {
  try {
    reader.decode(data);
  } catch (error) {
    if (error instanceof ChannelProtocolError) return error;
    throw error;
  }
  throw new Error("decode accepted a bad frame");
}

describe("jsonChannelProtocol", () => {
  it("offers the versioned subprotocol", () => {
    expect(protocol.subprotocol).toBe(CHANNEL_SUBPROTOCOL);
    expect(CHANNEL_SUBPROTOCOL).toBe("wirekit.v1");
  });

  it("encodes client frames as JSON text", () => {
    expect(
      JSON.parse(protocol.encode({ type: "subscribe", channel: "room", resume: "17" }) as string),
    ).toEqual({
      type: "subscribe",
      channel: "room",
      resume: "17",
    });
    expect(
      JSON.parse(
        protocol.encode({
          type: "publish",
          channel: "room",
          data: { text: "hi" },
          ack: "3",
        }) as string,
      ),
    ).toEqual({ type: "publish", channel: "room", data: { text: "hi" }, ack: "3" });
    expect(protocol.encode({ type: "ping" })).toBe('{"type":"ping"}');
  });

  it("refuses bytes, naming the protocol that carries them", () => {
    const publish = {
      type: "publish",
      channel: "cam",
      data: new Uint8Array([1]),
      ack: "1",
    } as const;
    expect(() => protocol.encode(publish)).toThrow(TypeError);
    expect(() => protocol.encode(publish)).toThrow(/binaryChannelProtocol/);
    const error = decodeError(binaryFrame({ type: "message", channel: "cam", id: "7" }, [1]));
    expect(error.code).toBe("bad-frame");
    expect(error.message).toMatch(/binaryChannelProtocol/);
  });

  it("decodes every server frame", () => {
    expect(
      protocol.decode('{"type":"subscribed","channel":"a","recovered":false,"position":"9"}'),
    ).toEqual({
      type: "subscribed",
      channel: "a",
      recovered: false,
      position: "9",
    });
    expect(protocol.decode('{"type":"message","channel":"a","id":"10","data":null}')).toEqual({
      type: "message",
      channel: "a",
      id: "10",
      data: null,
    });
    expect(protocol.decode('{"type":"ack","ack":"3","id":"11"}')).toEqual({
      type: "ack",
      ack: "3",
      id: "11",
    });
    // A member PROTOCOL.md does not list is ignored, not refused: later revisions may add some.
    expect(
      protocol.decode(
        '{"type":"error","code":"forbidden","reason":"no","frame":"publish","ack":"3","extra":1}',
      ),
    ).toMatchObject({ type: "error", code: "forbidden", reason: "no", frame: "publish", ack: "3" });
    expect(protocol.decode('{"type":"pong","nonce":"n"}')).toEqual({ type: "pong", nonce: "n" });
    expect(protocol.decode('{"type":"expiring","expiresIn":30000}')).toEqual({
      type: "expiring",
      expiresIn: 30000,
    });
  });

  it.each([
    ["not JSON", "{type: message}", "bad-frame"],
    ["an array", "[1,2]", "bad-frame"],
    ["a number", "42", "bad-frame"],
    ["a message without a channel", '{"type":"message","id":"1","data":1}', "bad-frame"],
    ["a message without data", '{"type":"message","channel":"a","id":"1"}', "bad-frame"],
    ["a non-decimal id", '{"type":"message","channel":"a","id":"1e3","data":1}', "bad-frame"],
    ["a numeric id", '{"type":"message","channel":"a","id":1,"data":1}', "bad-frame"],
    ["subscribed without recovered", '{"type":"subscribed","channel":"a"}', "bad-frame"],
    ["an ack without its string", '{"type":"ack","ack":3}', "bad-frame"],
    ["an ack whose id is no message id", '{"type":"ack","ack":"1","id":"x9"}', "bad-frame"],
    [
      "a subscribed position that is no message id",
      '{"type":"subscribed","channel":"a","recovered":true,"position":"cursor"}',
      "bad-frame",
    ],
    ["an error without a reason", '{"type":"error","code":"x"}', "bad-frame"],
    ["expiring without expiresIn", '{"type":"expiring"}', "bad-frame"],
    ["expiring in negative time", '{"type":"expiring","expiresIn":-1}', "bad-frame"],
    ["an unknown type", '{"type":"hello","channel":"a"}', "unknown-type"],
    ["no type at all", "{}", "unknown-type"],
  ])("reports %s as %s", (_, text, code) => {
    expect(decodeError(text).code).toBe(code);
  });

  it("leaves a missing optional member missing", () => {
    const subscribed = protocol.decode('{"type":"subscribed","channel":"a","recovered":true}');
    expect(subscribed).toStrictEqual({ type: "subscribed", channel: "a", recovered: true });
    expect(protocol.decode('{"type":"ping"}')).toStrictEqual({ type: "ping" });
    expect(protocol.decode('{"type":"limits","maxFrameSize":512}')).toStrictEqual({
      type: "limits",
      maxFrameSize: 512,
    });
    expect(decodeError('{"type":"limits","per":0}').code).toBe("bad-frame");
    expect(decodeError('{"type":"ack","ack":"1","id":null}').code).toBe("bad-frame");
  });

  it("decodes presence frames and checks their members", () => {
    const member = { id: "m1", data: { name: "Ada" } };
    expect(
      protocol.decode(
        JSON.stringify({ type: "presence", channel: "a", members: [member], self: "m1" }),
      ),
    ).toStrictEqual({ type: "presence", channel: "a", members: [member], self: "m1" });
    expect(protocol.decode('{"type":"presence-diff","channel":"a","leave":["m1"]}')).toStrictEqual({
      type: "presence-diff",
      channel: "a",
      leave: ["m1"],
    });
    expect(decodeError('{"type":"presence","channel":"a","members":[{}],"self":"m1"}').code).toBe(
      "bad-frame",
    );
    expect(decodeError('{"type":"presence-diff","channel":"a","join":[null]}').code).toBe(
      "bad-frame",
    );
  });

  it.each([1, null, true, ["message"], { message: 1 }])("knows no frame type %j", (type) => {
    expect(decodeError(JSON.stringify({ type, channel: "a", id: "1", data: 1 })).code).toBe(
      "unknown-type",
    );
  });

  it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])(
    "knows no frame type %s, whatever objects inherit",
    (type) => {
      expect(decodeError(JSON.stringify({ type })).code).toBe("unknown-type");
    },
  );

  it("names the channel of a bad frame when it can", () => {
    expect(decodeError('{"type":"message","channel":"room","id":"x","data":1}').channel).toBe(
      "room",
    );
  });
});

describe("binaryChannelProtocol", () => {
  it("speaks the same subprotocol, and text as the JSON protocol does", () => {
    expect(binaryChannelProtocol.subprotocol).toBe(CHANNEL_SUBPROTOCOL);
    expect(binaryChannelProtocol.encode({ type: "ping" })).toBe('{"type":"ping"}');
    expect(binaryChannelProtocol.decode('{"type":"ack","ack":"3"}')).toEqual({
      type: "ack",
      ack: "3",
    });
    expect(decodeError('{"type":"ack"}', binaryChannelProtocol).code).toBe("bad-frame");
  });

  it("reads bytes only from an ArrayBuffer (a socket's binaryType)", () => {
    const error = decodeError(new Blob([]) as unknown as ArrayBuffer, binaryChannelProtocol);
    expect(error.code).toBe("bad-frame");
    expect(error.message).toMatch(/ArrayBuffer/);
  });

  it("encodes a binary publish with a length-prefixed header", () => {
    const frame = binaryChannelProtocol.encode({
      type: "publish",
      channel: "cam",
      data: new Uint8Array([9, 8, 7]),
      ack: "1",
    });
    expect(frame).toBeInstanceOf(ArrayBuffer);
    expect(frame).toEqual(binaryFrame({ type: "publish", channel: "cam", ack: "1" }, [9, 8, 7]));
  });

  it("sends only the bytes a view shows, and a whole ArrayBuffer", () => {
    const header = { type: "publish", channel: "cam", ack: "2" } as const;
    const view = new Uint8Array([0, 9, 8, 7, 0]).subarray(1, 4);
    expect(binaryChannelProtocol.encode({ ...header, data: view })).toEqual(
      binaryFrame(header, [9, 8, 7]),
    );
    const buffer = new Uint8Array([5, 6]).buffer;
    expect(binaryChannelProtocol.encode({ ...header, data: buffer })).toEqual(
      binaryFrame(header, [5, 6]),
    );
    const dataView = new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 2, 1);
    expect(binaryChannelProtocol.encode({ ...header, data: dataView })).toEqual(
      binaryFrame(header, [3]),
    );
  });

  it("decodes a binary message into an ArrayBuffer payload", () => {
    const frame = binaryChannelProtocol.decode(
      binaryFrame({ type: "message", channel: "cam", id: "7" }, [1, 2, 3]),
    );
    expect(frame).toMatchObject({ type: "message", channel: "cam", id: "7" });
    expect([...new Uint8Array((frame as { data: ArrayBuffer }).data)]).toEqual([1, 2, 3]);
  });

  it.each([
    ["shorter than its prefix", new Uint8Array([0, 0]).buffer],
    ["a header running past the end", binaryFrame("{}", []).slice(0, 5)],
    ["a header that is not JSON", binaryFrame("nope", [1])],
    ["a binary frame that is no message", binaryFrame({ type: "ack", ack: "1" }, [1])],
  ])("reports a binary frame %s as bad-frame", (_, frame) => {
    expect(decodeError(frame as ArrayBuffer, binaryChannelProtocol).code).toBe("bad-frame");
  });
});

describe("isNewerId", () => {
  it("compares decimal ids of any size", () => {
    expect(isNewerId("10", "9")).toBe(true);
    expect(isNewerId("9", "10")).toBe(false);
    expect(isNewerId("5", "5")).toBe(false);
    expect(isNewerId("9007199254740993", "9007199254740992")).toBe(true);
    expect(isNewerId("100000000000000000000", "99999999999999999999")).toBe(true);
  });
});
