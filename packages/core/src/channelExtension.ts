import type { ServerFrame } from "./protocol.js";

/**
 * A module that rides on a channel client's connection without the client knowing it (presence,
 * `presenceClient.ts`), so an app that does not import it carries none of its code.
 */
export interface ChannelExtension {
  /** A session opened and the subscriptions went out: send what this session needs. */
  open(): void;
  /** A frame the channel client does not handle; `true` when the extension took it. */
  frame(frame: ServerFrame): boolean;
}
