import { ChannelProtocolError } from "./channelErrors.js";
import {
  type ChannelProtocol,
  decodeJson,
  isBinary,
  jsonChannelProtocol,
} from "./channelProtocol.js";

// PROTOCOL.md section 5: a 4-byte big-endian header length, the JSON header, then the payload.
const HEADER_LENGTH_BYTES = 4;

/**
 * wirekit's channel protocol, version 1, with bytes: JSON text frames, and binary frames whose
 * length-prefixed JSON header carries a `publish` or `message` and whose payload is its data
 * (PROTOCOL.md section 5). Publish an `ArrayBuffer` or a typed array; it arrives as an
 * `ArrayBuffer`. The same subprotocol as `jsonChannelProtocol`, which an app passes this instead
 * of when its channels carry bytes.
 *
 * @example
 * <RealtimeProvider endpoint={{ url, protocol: binaryChannelProtocol }}>
 */
export const binaryChannelProtocol: ChannelProtocol = {
  subprotocol: jsonChannelProtocol.subprotocol,
  encode(frame) {
    if (frame.type === "publish" && isBinary(frame.data)) {
      const { data, ...header } = frame;
      return withBinaryPayload(header, data);
    }
    return jsonChannelProtocol.encode(frame);
  },
  decode(data) {
    if (typeof data === "string") return jsonChannelProtocol.decode(data);
    if (!(data instanceof ArrayBuffer)) {
      throw new ChannelProtocolError("bad-frame", "A frame must be text or an ArrayBuffer.");
    }
    if (data.byteLength < HEADER_LENGTH_BYTES) {
      throw new ChannelProtocolError(
        "bad-frame",
        "A binary frame is shorter than its length prefix.",
      );
    }
    const headerLength = new DataView(data).getUint32(0);
    const payloadStart = HEADER_LENGTH_BYTES + headerLength;
    if (payloadStart > data.byteLength) {
      throw new ChannelProtocolError("bad-frame", "A binary frame's header runs past its end.");
    }
    const header = new TextDecoder().decode(
      new Uint8Array(data, HEADER_LENGTH_BYTES, headerLength),
    );
    const frame = decodeJson(header, data.slice(payloadStart));
    if (frame.type !== "message") {
      throw new ChannelProtocolError(
        "bad-frame",
        `A binary frame must be a message, got ${frame.type}.`,
      );
    }
    return frame;
  },
};

function withBinaryPayload(header: object, payload: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const payloadStart = HEADER_LENGTH_BYTES + headerBytes.length;
  const frame = new Uint8Array(payloadStart + payload.byteLength);
  new DataView(frame.buffer).setUint32(0, headerBytes.length);
  frame.set(headerBytes, HEADER_LENGTH_BYTES);
  frame.set(
    payload instanceof ArrayBuffer
      ? new Uint8Array(payload)
      : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength),
    payloadStart,
  );
  return frame.buffer;
}
