// What an event stream of @wirekit/server writes (PROTOCOL.md section 9), spelled in one place.
import {
  type ChannelErrorCode,
  STREAM_ERROR_EVENT,
  STREAM_EXPIRED_EVENT,
  STREAM_EXPIRING_EVENT,
  STREAM_GAP_EVENT,
  STREAM_POSITION_EVENT,
} from "@wirekit/core/protocol";
import type { BrokerMessage } from "./broker.js";

/** The event of `message`, as every stream that delivers it writes it. */
export function messageEvent(message: BrokerMessage): Buffer {
  return Buffer.from(`id: ${message.seq}\nevent: ${message.channel}\n${dataLines(message.data)}\n`);
}

/** Where the stream stands: its `id:` is what the client resumes from. */
export const positionEvent = (seq: number): string =>
  `id: ${seq}\nevent: ${STREAM_POSITION_EVENT}\ndata: ${seq}\n\n`;

/** Events were lost after `lastSeq` (or it could not be resumed from): refetch. */
export const gapEvent = (lastSeq: number | string): string =>
  `event: ${STREAM_GAP_EVENT}\ndata: ${lastSeq}\n\n`;

/** A channel of the stream is not served: its data is the WebSocket `error` frame's JSON. */
export function refusalEvent(code: ChannelErrorCode, channel: string, reason: string): string {
  const frame = { type: "error", code, reason, frame: "subscribe", channel };
  return `event: ${STREAM_ERROR_EVENT}\ndata: ${JSON.stringify(frame)}\n\n`;
}

/** The credentials expire in `expiresIn` milliseconds. */
export const expiringEvent = (expiresIn: number): string =>
  `event: ${STREAM_EXPIRING_EVENT}\ndata: ${Math.floor(expiresIn)}\n\n`;

/** The credentials expired; the stream ends after it. */
export const EXPIRED_EVENT = `event: ${STREAM_EXPIRED_EVENT}\ndata: credentials expired\n\n`;

/** `data:` lines for one event: strings as they are, bytes as base64, anything else as JSON. */
function dataLines(data: unknown): string {
  const text =
    typeof data === "string"
      ? data
      : data instanceof Uint8Array
        ? Buffer.from(data).toString("base64")
        : JSON.stringify(data ?? null);
  return `${text
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join("")}`;
}
