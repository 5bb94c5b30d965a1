import {
  CHANNEL_SUBPROTOCOL,
  type ClientFrame,
  isMessageId,
  type ServerFrame,
} from "./protocol.js";

export type { ClientFrame, ServerFrame };

/**
 * A wire format for channels. wirekit's own is `jsonChannelProtocol` (PROTOCOL.md); an adapter for
 * another server's format implements the same two functions.
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
 * Bad input on a channel connection, reported while the connection goes on.
 * - `bad-frame`: not JSON, not an object, a member missing or of the wrong kind, a malformed
 *   binary frame;
 * - `unknown-type`: a `type` the protocol version does not define;
 * - `too-large`: a frame over the client's size limit (dropped unread);
 * - `unknown-channel`: a message for a channel nobody is subscribed to;
 * - `duplicate`: a message whose id is not newer than the last one delivered on its channel;
 * - `unexpected-ack`: an ack for no publish in flight.
 */
export type ChannelProtocolErrorCode =
  | "bad-frame"
  | "unknown-type"
  | "too-large"
  | "unknown-channel"
  | "duplicate"
  | "unexpected-ack";

export class ChannelProtocolError extends Error {
  override readonly name = "ChannelProtocolError";
  readonly code: ChannelProtocolErrorCode;
  /** The channel the frame named, when it named one. */
  readonly channel: string | undefined;

  constructor(
    code: ChannelProtocolErrorCode,
    message: string,
    detail: { channel?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.code = code;
    this.channel = detail.channel;
  }
}

const HEADER_LENGTH_BYTES = 4;

/** wirekit's channel protocol, version 1: JSON text frames, length-prefixed binary payloads. */
export const jsonChannelProtocol: ChannelProtocol = {
  subprotocol: CHANNEL_SUBPROTOCOL,
  encode(frame) {
    if (frame.type === "publish" && isBinary(frame.data)) {
      const { data, ...header } = frame;
      return withBinaryPayload(header, data);
    }
    return JSON.stringify(frame);
  },
  decode(data) {
    if (typeof data === "string") return validate(parseJson(data), undefined);
    if (!(data instanceof ArrayBuffer)) {
      throw new ChannelProtocolError("bad-frame", "A frame must be text or an ArrayBuffer.");
    }
    const view = new DataView(data);
    if (data.byteLength < HEADER_LENGTH_BYTES) {
      throw new ChannelProtocolError(
        "bad-frame",
        "A binary frame is shorter than its length prefix.",
      );
    }
    const headerLength = view.getUint32(0);
    const payloadStart = HEADER_LENGTH_BYTES + headerLength;
    if (payloadStart > data.byteLength) {
      throw new ChannelProtocolError("bad-frame", "A binary frame's header runs past its end.");
    }
    const headerText = new TextDecoder().decode(
      new Uint8Array(data, HEADER_LENGTH_BYTES, headerLength),
    );
    const frame = validate(parseJson(headerText), data.slice(payloadStart));
    if (frame.type !== "message") {
      throw new ChannelProtocolError(
        "bad-frame",
        `A binary frame must be a message, got ${frame.type}.`,
      );
    }
    return frame;
  },
};

function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function withBinaryPayload(header: object, payload: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const payloadBytes =
    payload instanceof ArrayBuffer
      ? new Uint8Array(payload)
      : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  const frame = new Uint8Array(HEADER_LENGTH_BYTES + headerBytes.length + payloadBytes.length);
  new DataView(frame.buffer).setUint32(0, headerBytes.length);
  frame.set(headerBytes, HEADER_LENGTH_BYTES);
  frame.set(payloadBytes, HEADER_LENGTH_BYTES + headerBytes.length);
  return frame.buffer;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ChannelProtocolError("bad-frame", "A frame is not JSON.", { cause });
  }
}

/** Checks a decoded object against PROTOCOL.md; `payload` is the bytes of a binary frame. */
function validate(value: unknown, payload: ArrayBuffer | undefined): ServerFrame {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ChannelProtocolError("bad-frame", "A frame must be a JSON object.");
  }
  const frame = value as Record<string, unknown>;
  const channel = typeof frame["channel"] === "string" ? frame["channel"] : undefined;
  const fail = (what: string): never => {
    throw new ChannelProtocolError("bad-frame", `A ${String(frame["type"])} frame ${what}.`, {
      channel,
    });
  };
  const optionalString = (name: string): string | undefined => {
    const member = frame[name];
    if (member === undefined) return undefined;
    return typeof member === "string" ? member : fail(`has a non-string ${name}`);
  };
  switch (frame["type"]) {
    case "message": {
      if (channel === undefined) return fail("needs a channel");
      const id = frame["id"];
      if (!isMessageId(id)) return fail("needs a decimal string id");
      if (payload === undefined && !("data" in frame)) return fail("needs data");
      return { type: "message", channel, id, data: payload ?? frame["data"] };
    }
    case "subscribed": {
      if (channel === undefined) return fail("needs a channel");
      if (typeof frame["recovered"] !== "boolean") return fail("needs a boolean recovered");
      const position = optionalString("position");
      return position === undefined
        ? { type: "subscribed", channel, recovered: frame["recovered"] }
        : { type: "subscribed", channel, recovered: frame["recovered"], position };
    }
    case "ack": {
      const ack = frame["ack"];
      if (typeof ack !== "string") return fail("needs an ack string");
      const id = optionalString("id");
      return id === undefined ? { type: "ack", ack } : { type: "ack", ack, id };
    }
    case "error": {
      const code = frame["code"];
      const reason = frame["reason"];
      if (typeof code !== "string" || typeof reason !== "string") {
        return fail("needs a code and a reason");
      }
      const details = { frame: optionalString("frame"), channel, ack: optionalString("ack") };
      return {
        type: "error",
        code,
        reason,
        ...Object.fromEntries(Object.entries(details).filter(([, member]) => member !== undefined)),
      };
    }
    case "ping":
    case "pong": {
      const nonce = optionalString("nonce");
      return nonce === undefined ? { type: frame["type"] } : { type: frame["type"], nonce };
    }
    case "limits": {
      const positive = (name: string): number | undefined => {
        const member = frame[name];
        if (member === undefined) return undefined;
        return typeof member === "number" && Number.isFinite(member) && member > 0
          ? member
          : fail(`has a ${name} that is not a positive number`);
      };
      const limits = {
        messages: positive("messages"),
        per: positive("per"),
        maxFrameSize: positive("maxFrameSize"),
      };
      return {
        type: "limits",
        ...Object.fromEntries(Object.entries(limits).filter(([, member]) => member !== undefined)),
      };
    }
    case "presence":
    case "presence-diff": {
      if (channel === undefined) return fail("needs a channel");
      const list = <T>(name: string, valid: (item: unknown) => boolean): T[] => {
        const member = frame[name] ?? [];
        return Array.isArray(member) && member.every(valid) ? member : fail(`has a bad ${name}`);
      };
      const isMember = (item: unknown) => typeof (item as { id?: unknown } | null)?.id === "string";
      if (frame["type"] === "presence-diff") {
        return {
          type: "presence-diff",
          channel,
          join: list("join", isMember),
          leave: list("leave", (id) => typeof id === "string"),
        };
      }
      const self = frame["self"];
      if (typeof self !== "string") return fail("needs a self id");
      return { type: "presence", channel, members: list("members", isMember), self };
    }
    default:
      throw new ChannelProtocolError(
        "unknown-type",
        `Unknown frame type ${JSON.stringify(frame["type"])?.slice(0, 64) ?? "undefined"}.`,
        { channel },
      );
  }
}
