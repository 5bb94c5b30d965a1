import type { ServerFrame } from "./protocol.js";

/**
 * An `error` frame from the server (PROTOCOL.md section 6), or a `wirekit-error` event on an
 * event stream (section 9).
 */
export class ChannelServerError extends Error {
  override readonly name = "ChannelServerError";
  /** The server's code: `forbidden`, `rate-limited`, `bad-frame`, … */
  readonly code: string;
  /** The frame type it answers, when the server said. */
  readonly frame: string | undefined;
  readonly channel: string | undefined;

  constructor(frame: Extract<ServerFrame, { type: "error" }>) {
    super(frame.reason);
    this.code = frame.code;
    this.frame = frame.frame;
    this.channel = frame.channel;
  }
}
