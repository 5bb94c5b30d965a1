import { ChannelProtocolError } from "./channelErrors.js";
import {
  CHANNEL_SUBPROTOCOL,
  type ClientFrame,
  isMessageId,
  type ServerFrame,
} from "./protocol.js";

export type { ClientFrame, ServerFrame };

/**
 * A wire format for channels. wirekit's own is `jsonChannelProtocol` (PROTOCOL.md), or
 * `binaryChannelProtocol` where channels carry bytes; an adapter for another server's format
 * implements the same two functions.
 */
export interface ChannelProtocol {
  /** The WebSocket subprotocol to offer, if the format has one. */
  readonly subprotocol: string | undefined;
  /** One frame for the socket: text, or bytes for a binary payload. */
  encode(frame: ClientFrame): string | ArrayBuffer;
  /** One received WebSocket message as a frame. Throws on anything it cannot read. */
  decode(data: string | ArrayBuffer): ServerFrame;
}

/**
 * Reads one frame off the wire: refused unread when over `maxFrameSize` (characters of text,
 * bytes of binary), and whatever the protocol cannot decode becomes a `ChannelProtocolError`.
 */
export function readFrame(
  protocol: ChannelProtocol,
  data: unknown,
  maxFrameSize: number,
): ServerFrame | ChannelProtocolError {
  const size =
    typeof data === "string" ? data.length : data instanceof ArrayBuffer ? data.byteLength : 0;
  if (size > maxFrameSize) {
    return new ChannelProtocolError("too-large", `A frame of ${size} is over maxFrameSize.`);
  }
  try {
    return protocol.decode(data as string | ArrayBuffer);
  } catch (error) {
    return error instanceof ChannelProtocolError
      ? error
      : new ChannelProtocolError("bad-frame", "The protocol could not decode a frame.", {
          cause: error,
        });
  }
}

/**
 * wirekit's channel protocol, version 1, in text frames: JSON. Bytes travel in binary frames,
 * which `binaryChannelProtocol` reads and writes; this one refuses them, so that an app that never
 * sends bytes does not carry the code.
 */
export const jsonChannelProtocol: ChannelProtocol = {
  subprotocol: CHANNEL_SUBPROTOCOL,
  encode(frame) {
    if (frame.type === "publish" && isBinary(frame.data)) {
      throw new TypeError("Bytes need `protocol: binaryChannelProtocol`.");
    }
    return JSON.stringify(frame);
  },
  decode(data) {
    if (typeof data !== "string") {
      throw new ChannelProtocolError(
        "bad-frame",
        "A binary frame: bytes need `protocol: binaryChannelProtocol`.",
      );
    }
    return decodeJson(data);
  },
};

/** Whether `value` is bytes, which travel in a binary frame (PROTOCOL.md section 5). */
export function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * A server frame from its JSON text, checked against PROTOCOL.md; `payload` is the bytes of a
 * binary frame, whose header the text is.
 */
export function decodeJson(text: string, payload?: ArrayBuffer): ServerFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ChannelProtocolError("bad-frame", "A frame is not JSON.", { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ChannelProtocolError("bad-frame", "A frame must be a JSON object.");
  }
  const frame = value as Record<string, unknown>;
  const type = frame["type"];
  // Bad input about a channel goes to that channel's listeners.
  const channel = isString(frame["channel"]) ? frame["channel"] : undefined;
  const members = SERVER_FRAMES.get(type);
  if (members === undefined) {
    throw new ChannelProtocolError(
      "unknown-type",
      `Unknown frame type ${JSON.stringify(type)?.slice(0, 64) ?? "undefined"}.`,
      { channel },
    );
  }
  // Checked where it stands, not copied: members PROTOCOL.md does not list are ignored (section
  // 2), and a copy per frame cost the channel a twentieth of its throughput.
  for (const [name, isValid] of members) {
    if (!isValid(name === "data" ? (payload ?? frame[name]) : frame[name])) {
      throw new ChannelProtocolError("bad-frame", `A ${type} frame has no valid ${name}.`, {
        channel,
      });
    }
  }
  if (payload !== undefined) frame["data"] = payload;
  return frame as ServerFrame;
}

type Validator = (value: unknown) => boolean;

const isString = (value: unknown): value is string => typeof value === "string";
const isPositive = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) && value > 0;
const listOf = (isItem: Validator) => (value: unknown) =>
  Array.isArray(value) && value.every(isItem);
const isMember = (value: unknown) => isString((value as { id?: unknown } | null)?.id);
const optional = (isValid: Validator) => (value: unknown) => value === undefined || isValid(value);
const nonce = { nonce: optional(isString) };

// What a server sends (PROTOCOL.md section 2): each frame's members and what each must be.
// Other members are dropped.
const SERVER_FRAME_MEMBERS = {
  message: { channel: isString, id: isMessageId, data: (value) => value !== undefined },
  subscribed: {
    channel: isString,
    recovered: (value) => typeof value === "boolean",
    position: optional(isMessageId),
  },
  ack: { ack: isString, id: optional(isMessageId) },
  error: {
    code: isString,
    reason: isString,
    frame: optional(isString),
    channel: optional(isString),
    ack: optional(isString),
  },
  ping: nonce,
  pong: nonce,
  limits: {
    messages: optional(isPositive),
    per: optional(isPositive),
    maxFrameSize: optional(isPositive),
  },
  expiring: { expiresIn: (value) => typeof value === "number" && value >= 0 },
  presence: { channel: isString, members: listOf(isMember), self: isString },
  "presence-diff": {
    channel: isString,
    join: optional(listOf(isMember)),
    leave: optional(listOf(isString)),
  },
} satisfies Record<ServerFrame["type"], Record<string, Validator>>;

// The same as lists, made once rather than for every frame checked against them; keyed by
// `unknown`, since whatever `type` a frame has is looked up.
const SERVER_FRAMES = new Map<unknown, ReadonlyArray<readonly [string, Validator]>>(
  Object.entries(SERVER_FRAME_MEMBERS).map(([type, members]) => [
    type,
    Object.entries<Validator>(members),
  ]),
);
