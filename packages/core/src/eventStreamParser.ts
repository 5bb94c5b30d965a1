import type { EventStreamParseError } from "./eventStreamParseError.js";
import { EventStreamReader } from "./eventStreamReader.js";

export { DEFAULT_MAX_EVENT_SIZE } from "./eventStreamReader.js";

// Bundlers replace `process.env.NODE_ENV`; the `typeof` keeps unbundled browser modules working
// (`=== "object"`: esbuild drops that whole from a production bundle; `!== "undefined"` it keeps).
declare const process: { env: { NODE_ENV?: string } };

/** One dispatched event, as the WHATWG HTML "server-sent events" rules define it. */
export interface EventStreamMessage {
  /** The `event` field, or `"message"` when the event had none. */
  readonly type: string;
  /** The `data` lines joined with LF. */
  readonly data: string;
  /** The last event id after this event (ids carry over to events that set none). */
  readonly lastEventId: string;
}

export interface EventStreamParserHandlers {
  /** Called for every dispatched event. */
  onEvent(event: EventStreamMessage): void;
  /** Called with the reconnection time in milliseconds when a valid `retry` field arrives. */
  onRetry?(milliseconds: number): void;
  /** Called for every comment line (servers send them as heartbeats), without the `:` and one space. */
  onComment?(comment: string): void;
  /** Called for input the parser skips; parsing always goes on. */
  onError?(error: EventStreamParseError): void;
}

export interface EventStreamParserOptions {
  /**
   * The last event id to start from, e.g. one stored before a page reload.
   * @default ""
   */
  initialLastEventId?: string;
  /**
   * The most characters (UTF-16 code units of decoded text; bytes for ASCII) that one event may
   * hold in memory: its data so far plus the `data`, `event` or `id` line being read. An event
   * that grows past it is discarded whole with an `event-too-large` error, and parsing resumes at
   * the next event. Comments, `retry` and unknown fields are no part of any event and never count
   * against one; such a line longer than `maxEventSize` on its own is skipped alone
   * (`line-too-large`), and the event around it is kept.
   * @default 4_194_304 (4 MiB)
   */
  maxEventSize?: number;
}

export interface EventStreamParser {
  /**
   * Parses the next piece of the stream: bytes (decoded as streaming UTF-8, whatever charset the
   * response named) or already decoded text. Never throws on stream content.
   */
  feed(chunk: Uint8Array | ArrayBuffer | string): void;
  /**
   * The stream ended: an unfinished event is discarded (its data, type and id never apply), and
   * the parser is ready for the next stream of the same source, keeping `lastEventId`.
   */
  end(): void;
  /** Back to the state the parser was created in, `lastEventId` included. */
  reset(): void;
  /** The id that a reconnect sends as `Last-Event-ID`. */
  readonly lastEventId: string;
}

/**
 * Creates an incremental parser for `text/event-stream` bodies that follows the WHATWG HTML
 * "server-sent events" parsing rules exactly, as browsers do (see SSE-SPEC.md). Feed it chunks
 * split anywhere: between the bytes of a character, between CR and LF, in the middle of a field.
 *
 * @example
 * const parser = createEventStreamParser({
 *   onEvent: ({ type, data, lastEventId }) => console.log(type, data, lastEventId),
 *   onRetry: (ms) => (reconnectionTime = ms),
 * });
 * for await (const chunk of response.body) parser.feed(chunk);
 * parser.end();
 */
export function createEventStreamParser(
  handlers: EventStreamParserHandlers,
  options: EventStreamParserOptions = {},
): EventStreamParser {
  const { onEvent } = handlers;
  if (
    typeof process === "object" &&
    process.env.NODE_ENV !== "production" &&
    typeof onEvent !== "function"
  ) {
    throw new TypeError("createEventStreamParser: `handlers.onEvent` must be a function.");
  }
  return new EventStreamReader(
    (type, data, lastEventId) => onEvent({ type, data, lastEventId }),
    handlers,
    options,
  );
}
