import { EventStreamParseError, type EventStreamParseErrorCode } from "./errors.js";
import { rethrowAsync } from "./rethrowAsync.js";

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
   * hold in memory: its data so far plus the line being read. An event that grows past it is
   * discarded whole with an `event-too-large` error, and parsing resumes at the next event.
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

/** The default `maxEventSize`: 4 MiB. */
export const DEFAULT_MAX_EVENT_SIZE = 4 * 1024 * 1024;

const LF = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;
const BOM = 0xfeff;
const LOWER_D = 0x64;
const LOWER_E = 0x65;
const LOWER_I = 0x69;
const LOWER_R = 0x72;

const DIGITS = /^[0-9]+$/;
const STREAMING = { stream: true } as const;

// What to do with input after an event grew past maxEventSize.
const KEEP = 0;
const SKIP_LINE = 1; // the rest of the current line, then SKIP_EVENT
const SKIP_EVENT = 2; // every line up to and including the next blank line

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
  const { onEvent, onRetry, onComment, onError } = handlers;
  const { initialLastEventId = "", maxEventSize = DEFAULT_MAX_EVENT_SIZE } = options;
  if (typeof onEvent !== "function") {
    throw new TypeError("createEventStreamParser: `handlers.onEvent` must be a function.");
  }
  if (typeof initialLastEventId !== "string") {
    throw new TypeError("createEventStreamParser: `initialLastEventId` must be a string.");
  }
  if (!(Number.isSafeInteger(maxEventSize) && maxEventSize > 0)) {
    throw new RangeError(
      `createEventStreamParser: \`maxEventSize\` must be a positive integer, got ${String(maxEventSize)}.`,
    );
  }

  let decoder: TextDecoder | undefined;
  let decoderHoldsBytes = false;
  let atStreamStart = true;
  let afterCR = false;
  // The unterminated line so far, in pieces so that a long line is joined once, not per chunk.
  const pending: string[] = [];
  let pendingSize = 0;
  let discard = KEEP;
  let data: string | undefined; // undefined is the spec's empty data buffer
  let type = "";
  let idBuffer = initialLastEventId;
  let lastEventId = initialLastEventId;

  function feed(chunk: Uint8Array | ArrayBuffer | string): void {
    let text: string;
    if (typeof chunk === "string") {
      text = decoderHoldsBytes ? flushDecoder() + chunk : chunk;
    } else if (chunk instanceof Uint8Array || chunk instanceof ArrayBuffer) {
      // ignoreBOM keeps the decoder from eating a BOM: the parser strips exactly one itself, for
      // text and bytes alike (a second BOM must survive: WPT format-bom-2).
      decoder ??= new TextDecoder("utf-8", { ignoreBOM: true });
      text = decoder.decode(chunk, STREAMING);
      decoderHoldsBytes = true;
    } else {
      throw new TypeError(
        `EventStreamParser.feed: expected a string, Uint8Array or ArrayBuffer, got ${describe(chunk)}.`,
      );
    }
    if (text.length === 0) return;
    let start = 0;
    if (atStreamStart) {
      atStreamStart = false;
      if (text.charCodeAt(0) === BOM) start = 1;
    }
    if (afterCR && start < text.length) {
      // A CR ended the previous chunk; an LF opening this one belongs to the same line end.
      afterCR = false;
      if (text.charCodeAt(start) === LF) start++;
    }
    parse(text, start);
  }

  function flushDecoder(): string {
    decoderHoldsBytes = false;
    return decoder === undefined ? "" : decoder.decode();
  }

  function parse(text: string, from: number): void {
    const length = text.length;
    let position = from;
    // Next CR, LF and colon at or after `position`, each searched again only once passed, so a
    // chunk is scanned a bounded number of times however its lines look.
    let lf = text.indexOf("\n", position);
    let cr = text.indexOf("\r", position);
    let colon = -2; // -2: not searched yet; -1: none in the rest of the text
    while (position < length) {
      if (lf !== -1 && lf < position) lf = text.indexOf("\n", position);
      if (cr !== -1 && cr < position) cr = text.indexOf("\r", position);
      let end: number;
      let next: number;
      if (lf !== -1 && (cr === -1 || lf < cr)) {
        end = lf;
        next = lf + 1;
      } else if (cr !== -1) {
        end = cr;
        if (cr + 1 === length) {
          afterCR = true;
          next = length;
        } else {
          next = text.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
        }
      } else {
        break;
      }

      if (discard !== KEEP) {
        skipLine(position === end);
      } else if (pendingSize !== 0) {
        pending.push(text.slice(position, end));
        const line = pending.join("");
        pending.length = 0;
        pendingSize = 0;
        takeLine(line, 0, line.length, line.indexOf(":"));
      } else if (position === end) {
        dispatch();
      } else {
        if (colon !== -1 && colon < position) colon = text.indexOf(":", position);
        takeLine(text, position, end, colon);
      }
      position = next;
    }
    if (position < length) keepPartialLine(text, position, length);
  }

  function skipLine(blank: boolean): void {
    if (discard === SKIP_LINE) {
      discard = SKIP_EVENT;
    } else if (blank) {
      discard = KEEP;
      clearEvent();
    }
  }

  function keepPartialLine(text: string, start: number, end: number): void {
    if (discard === SKIP_EVENT) discard = SKIP_LINE;
    if (discard !== KEEP) return;
    pending.push(start === 0 ? text : text.slice(start, end));
    pendingSize += end - start;
    if (pendingSize + (data === undefined ? 0 : data.length) > maxEventSize) {
      overflow(SKIP_LINE);
    }
  }

  /** A non-blank line of `source` from `start` to `end`; `colon` is the first `:` at or after `start`, or -1. */
  function takeLine(source: string, start: number, end: number, colon: number): void {
    if (end - start + (data === undefined ? 0 : data.length) > maxEventSize) {
      overflow(SKIP_EVENT);
      return;
    }
    const first = source.charCodeAt(start);
    if (first === COLON) {
      if (onComment !== undefined) {
        const from =
          start + 1 < end && source.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1;
        call(onComment, source.slice(from, end));
      }
      return;
    }
    let nameEnd = end;
    let valueStart = end;
    if (colon !== -1 && colon < end) {
      nameEnd = colon;
      valueStart = colon + 1;
      if (valueStart < end && source.charCodeAt(valueStart) === SPACE) valueStart++;
    }
    const nameLength = nameEnd - start;
    if (nameLength === 4 && first === LOWER_D && source.startsWith("data", start)) {
      const value = source.slice(valueStart, end);
      data = data === undefined ? value : `${data}\n${value}`;
    } else if (nameLength === 5 && first === LOWER_E && source.startsWith("event", start)) {
      type = source.slice(valueStart, end);
    } else if (nameLength === 2 && first === LOWER_I && source.charCodeAt(start + 1) === LOWER_D) {
      const value = source.slice(valueStart, end);
      if (value.includes("\0")) {
        report("invalid-id", "An `id` field containing U+0000 was ignored.", "id", value);
      } else {
        idBuffer = value;
      }
    } else if (nameLength === 5 && first === LOWER_R && source.startsWith("retry", start)) {
      const value = source.slice(valueStart, end);
      if (DIGITS.test(value)) {
        if (onRetry !== undefined) call(onRetry, Number(value));
      } else {
        report(
          "invalid-retry",
          "A `retry` field that is not ASCII digits was ignored.",
          "retry",
          value,
        );
      }
    } else if (onError !== undefined) {
      const name = source.slice(start, nameEnd);
      report(
        "unknown-field",
        `The unknown field \`${name.slice(0, 64)}\` was ignored.`,
        name,
        source.slice(valueStart, end),
      );
    }
  }

  function dispatch(): void {
    lastEventId = idBuffer;
    if (data === undefined) {
      type = "";
      return;
    }
    const event: EventStreamMessage = { type: type === "" ? "message" : type, data, lastEventId };
    data = undefined;
    type = "";
    call(onEvent, event);
  }

  function overflow(mode: typeof SKIP_LINE | typeof SKIP_EVENT): void {
    pending.length = 0;
    pendingSize = 0;
    clearEvent();
    discard = mode;
    report(
      "event-too-large",
      `An event larger than maxEventSize (${maxEventSize} characters) was discarded.`,
    );
  }

  function clearEvent(): void {
    data = undefined;
    type = "";
    idBuffer = lastEventId;
  }

  function report(
    code: EventStreamParseErrorCode,
    message: string,
    field?: string,
    value?: string,
  ): void {
    if (onError === undefined) return;
    const detail = field === undefined ? {} : value === undefined ? { field } : { field, value };
    call(onError, new EventStreamParseError(code, message, detail));
  }

  function startOver(): void {
    if (decoderHoldsBytes) flushDecoder();
    pending.length = 0;
    pendingSize = 0;
    atStreamStart = true;
    afterCR = false;
    discard = KEEP;
    clearEvent();
  }

  return {
    feed,
    end: startOver,
    reset() {
      lastEventId = initialLastEventId;
      startOver();
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

/**
 * Runs a handler so that its exception cannot tear the parser's state: like a DOM event listener's,
 * it is reported asynchronously and parsing goes on.
 */
function call<T>(handler: (value: T) => void, value: T): void {
  try {
    handler(value);
  } catch (error) {
    rethrowAsync(error);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "an object";
  return typeof value;
}
