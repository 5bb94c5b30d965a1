// What can go wrong on a channel: bad input from the server, an error the server sent, and a
// publish that was not acknowledged. Members are `declare`d because each constructor sets them:
// class fields would define them twice.
import { WirekitError } from "./errors.js";
import type { DropReason } from "./outbox.js";
import type { ServerFrame } from "./protocol.js";

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

export class ChannelProtocolError extends WirekitError<
  ChannelProtocolErrorCode,
  { channel?: string | undefined }
> {
  override readonly name = "ChannelProtocolError";
  /** The channel the frame named, when it named one. */
  declare readonly channel: string | undefined;

  constructor(
    code: ChannelProtocolErrorCode,
    message: string,
    detail: { channel?: string | undefined; cause?: unknown } = {},
  ) {
    super(code, message, { channel: undefined, ...detail });
  }
}

/** An `error` frame from the server (PROTOCOL.md section 6). */
export class ChannelServerError extends WirekitError<
  string,
  { frame: string | undefined; channel: string | undefined }
> {
  override readonly name = "ChannelServerError";
  /** The server's code: `forbidden`, `rate-limited`, `bad-frame`, … */
  declare readonly code: string;
  /** The frame type it answers, when the server said. */
  declare readonly frame: string | undefined;
  declare readonly channel: string | undefined;

  constructor(frame: Extract<ServerFrame, { type: "error" }>) {
    super(frame.code, frame.reason, { frame: frame.frame, channel: frame.channel });
  }
}

/**
 * Why a publish was not acknowledged:
 * - `rejected`, `evicted`, `expired`, `cleared`: the outgoing queue dropped it before it went out;
 * - `timeout`: it went out, and no ack came within `ackTimeout`;
 * - `disconnected`: the connection dropped after it went out and before the ack (it may or may
 *   not have arrived; PROTOCOL.md section 4);
 * - `server`: the server answered with an error (`cause` is the `ChannelServerError`);
 * - `too-large`: the frame is over the server's `maxFrameSize` (it said so in its `limits`
 *   frame), so it was never sent.
 */
export type PublishErrorCode = DropReason | "timeout" | "disconnected" | "server" | "too-large";

export class PublishError extends WirekitError<PublishErrorCode, { channel: string }> {
  override readonly name = "PublishError";
  declare readonly channel: string;
}
