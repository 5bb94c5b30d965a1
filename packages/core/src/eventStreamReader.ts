// The parser behind `createEventStreamParser` and `FetchEventSource`: lines and fields in,
// events out, within `maxEventSize` (the contract is in eventStreamParser.ts).

import {
  COLON,
  EVENT_FIELD,
  knownNameEnd,
  LF,
  LOWER_D,
  LOWER_E,
  LOWER_I,
  LOWER_R,
  OTHER_LINE,
  partialLineKind,
  valueAfterName,
} from "./eventStreamFields.js";
import { EventStreamParseError, type EventStreamParseErrorCode } from "./eventStreamParseError.js";
import type {
  EventStreamParser,
  EventStreamParserHandlers,
  EventStreamParserOptions,
} from "./eventStreamParser.js";
import { callSafely, rethrowAsync } from "./rethrowAsync.js";
import { bytesOf, Utf8Chunks } from "./utf8Chunks.js";

// Bundlers replace `process.env.NODE_ENV`; the `typeof` keeps unbundled browser modules working
// (`=== "object"`: esbuild drops that whole from a production bundle; `!== "undefined"` it keeps).
declare const process: { env: { NODE_ENV?: string } };

/** The default `maxEventSize`: 4 MiB. */
export const DEFAULT_MAX_EVENT_SIZE = 4 * 1024 * 1024;

const BOM = 0xfeff;

const DIGITS = /^[0-9]+$/;

// What to do with input after a line or event grew past maxEventSize.
const KEEP = 0;
const SKIP_LINE = 1; // the rest of the current line, then SKIP_EVENT
const SKIP_EVENT = 2; // every line up to and including the next blank line
const SKIP_FIELD = 3; // the rest of the current line (no part of the event), then KEEP

/** The handlers besides `onEvent`; FetchEventSource passes on its options, set or not. */
type ReaderHandlers = {
  [K in Exclude<keyof EventStreamParserHandlers, "onEvent">]?:
    | EventStreamParserHandlers[K]
    | undefined;
};

/**
 * The parser, handing each event to `emit` as arguments: `createEventStreamParser` makes its
 * event objects from them, and FetchEventSource its `MessageEvent`s without an intermediate one.
 * Not part of the public API. A class rather than closures: every parser shares one set of
 * functions, so a call site that feeds many parsers (one per connection) stays monomorphic.
 */
export class EventStreamReader implements EventStreamParser {
  readonly #emit: (type: string, data: string, lastEventId: string) => void;
  readonly #onRetry: ((milliseconds: number) => void) | undefined;
  readonly #onComment: ((comment: string) => void) | undefined;
  readonly #onError: ((error: EventStreamParseError) => void) | undefined;
  readonly #maxEventSize: number;
  readonly #initialLastEventId: string;
  readonly #utf8 = new Utf8Chunks();
  #atStreamStart = true;
  #afterCR = false;
  // The unterminated line so far. Appending makes a rope that is flattened once, when the line
  // ends, so a line spread over many chunks costs linear time.
  #pending = "";
  #discard = KEEP;
  #data: string | undefined; // undefined is the spec's empty data buffer
  #type = "";
  #idBuffer: string;
  #lastEventId: string;
  #nulSearchText = "";
  #nextNul = -1;

  constructor(
    emit: (type: string, data: string, lastEventId: string) => void,
    handlers: ReaderHandlers,
    options: { [K in keyof EventStreamParserOptions]?: EventStreamParserOptions[K] | undefined },
  ) {
    const { onRetry, onComment, onError } = handlers;
    const { initialLastEventId = "", maxEventSize = DEFAULT_MAX_EVENT_SIZE } = options;
    if (typeof process === "object" && process.env.NODE_ENV !== "production") {
      if (typeof initialLastEventId !== "string") {
        throw new TypeError("createEventStreamParser: `initialLastEventId` must be a string.");
      }
      if (!(Number.isSafeInteger(maxEventSize) && maxEventSize > 0)) {
        throw new RangeError(
          `createEventStreamParser: \`maxEventSize\` must be a positive integer, got ${String(maxEventSize)}.`,
        );
      }
    }
    this.#emit = emit;
    this.#onRetry = onRetry;
    this.#onComment = onComment;
    this.#onError = onError;
    this.#maxEventSize = maxEventSize;
    this.#initialLastEventId = initialLastEventId;
    this.#idBuffer = initialLastEventId;
    this.#lastEventId = initialLastEventId;
  }

  /** The stream ended: see EventStreamParser.end. */
  end(): void {
    this.#startOver();
  }

  reset(): void {
    this.#lastEventId = this.#initialLastEventId;
    this.#startOver();
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  feed(chunk: Uint8Array | ArrayBuffer | string): void {
    let text: string;
    if (typeof chunk === "string") text = this.#utf8.append(chunk);
    else {
      const bytes = bytesOf(chunk);
      if (bytes === undefined) {
        throw new TypeError(
          `EventStreamParser.feed: expected a string, Uint8Array or ArrayBuffer, got ${describe(chunk)}.`,
        );
      }
      text = this.#utf8.decode(bytes);
    }
    if (text.length === 0) return;
    let start = 0;
    if (this.#atStreamStart) {
      this.#atStreamStart = false;
      if (text.charCodeAt(0) === BOM) start = 1;
    }
    if (this.#afterCR && start < text.length) {
      // A CR ended the previous chunk; an LF opening this one belongs to the same line end.
      this.#afterCR = false;
      if (text.charCodeAt(start) === LF) start++;
    }
    this.#parse(text, start);
  }

  #parse(text: string, from: number): void {
    const length = text.length;
    let position = from;
    // The next LF and CR at or after `position`, each searched again only once passed, so a
    // chunk is scanned a bounded number of times however its lines look.
    let lf = text.indexOf("\n", position);
    let cr = text.indexOf("\r", position);
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
          this.#afterCR = true;
          next = length;
        } else {
          next = text.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
        }
      } else {
        break;
      }

      if (this.#discard !== KEEP) {
        this.#skipLine(position === end);
      } else if (position === end && this.#pending === "") {
        this.#dispatch();
      } else {
        if (this.#pending === "") {
          this.#takeLine(text, position, end);
        } else {
          const line = this.#pending + text.slice(position, end);
          this.#pending = "";
          this.#takeLine(line, 0, line.length);
        }
        // Most events end right after their last field: take that blank line now rather than
        // search for it.
        if (text.charCodeAt(next) === LF && this.#discard === KEEP) {
          this.#dispatch();
          next++;
        }
      }
      position = next;
    }
    if (position < length) this.#keepPartialLine(text, position);
  }

  #skipLine(blank: boolean): void {
    if (this.#discard === SKIP_LINE) {
      this.#discard = SKIP_EVENT;
    } else if (this.#discard === SKIP_FIELD) {
      this.#discard = KEEP;
    } else if (blank) {
      this.#discard = KEEP;
      this.#clearEvent();
    }
  }

  #keepPartialLine(text: string, start: number): void {
    if (this.#discard === SKIP_EVENT) this.#discard = SKIP_LINE;
    if (this.#discard !== KEEP) return;
    this.#pending += start === 0 ? text : text.slice(start);
    const length = this.#pending.length;
    if (length + (this.#data === undefined ? 0 : this.#data.length) <= this.#maxEventSize) return;
    // Decided as #takeLine decides on the whole line, so the outcome does not depend on where
    // the chunks were cut; a line too short to say what it is (at most "event") waits.
    const kind = partialLineKind(this.#pending);
    if (kind === EVENT_FIELD) {
      this.#overflow(SKIP_LINE);
    } else if (kind === OTHER_LINE && length > this.#maxEventSize) {
      this.#pending = "";
      this.#discard = SKIP_FIELD;
      this.#reportLineTooLarge();
    }
  }

  /** A non-blank line: `source` from `start` to `end`, without its line end. */
  #takeLine(source: string, start: number, end: number): void {
    const first = source.charCodeAt(start);
    if (first === COLON) {
      if (end - start > this.#maxEventSize) {
        this.#reportLineTooLarge();
      } else if (this.#onComment !== undefined) {
        callSafely(this.#onComment, source.slice(valueAfterName(source, start, end), end));
      }
      return;
    }
    const nameEnd = knownNameEnd(source, start);
    const valueStart = nameEnd === -1 ? -1 : valueAfterName(source, nameEnd, end);
    if (valueStart !== -1 && first !== LOWER_R) {
      if (end - start + (this.#data === undefined ? 0 : this.#data.length) > this.#maxEventSize) {
        this.#overflow(SKIP_EVENT);
        return;
      }
    } else if (end - start > this.#maxEventSize) {
      this.#reportLineTooLarge();
      return;
    }
    if (valueStart !== -1) {
      if (first === LOWER_D) {
        const value = source.slice(valueStart, end);
        this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
      } else if (first === LOWER_I) {
        this.#takeId(source, valueStart, end);
      } else if (first === LOWER_E) {
        this.#type = source.slice(valueStart, end);
      } else {
        this.#takeRetry(source.slice(valueStart, end));
      }
      return;
    }
    if (this.#onError !== undefined) {
      const colon = source.indexOf(":", start);
      const nameEnd = colon === -1 || colon > end ? end : colon;
      const name = source.slice(start, nameEnd);
      const value = source.slice(valueAfterName(source, nameEnd, end), end);
      this.#report(
        "unknown-field",
        `The unknown field \`${name.slice(0, 64)}\` was ignored.`,
        name,
        value,
      );
    }
  }

  #takeId(source: string, start: number, end: number): void {
    // Where the next U+0000 is, searched once per chunk rather than once per id: almost no
    // stream has one.
    if (source !== this.#nulSearchText || (this.#nextNul !== -1 && this.#nextNul < start)) {
      this.#nulSearchText = source;
      this.#nextNul = source.indexOf("\0", start);
    }
    if (this.#nextNul !== -1 && this.#nextNul < end) {
      const value = source.slice(start, end);
      this.#report("invalid-id", "An `id` field containing U+0000 was ignored.", "id", value);
      return;
    }
    this.#idBuffer = source.slice(start, end);
  }

  #takeRetry(value: string): void {
    if (DIGITS.test(value)) {
      if (this.#onRetry !== undefined) callSafely(this.#onRetry, Number(value));
    } else {
      this.#report(
        "invalid-retry",
        "A `retry` field that is not ASCII digits was ignored.",
        "retry",
        value,
      );
    }
  }

  #dispatch(): void {
    this.#lastEventId = this.#idBuffer;
    if (this.#data === undefined) {
      this.#type = "";
      return;
    }
    const eventType = this.#type === "" ? "message" : this.#type;
    const eventData = this.#data;
    this.#data = undefined;
    this.#type = "";
    // Not through callSafely: every event makes this call, and it needs no argument array.
    try {
      this.#emit(eventType, eventData, this.#lastEventId);
    } catch (error) {
      rethrowAsync(error);
    }
  }

  #overflow(mode: typeof SKIP_LINE | typeof SKIP_EVENT): void {
    this.#pending = "";
    this.#clearEvent();
    this.#discard = mode;
    this.#report(
      "event-too-large",
      `An event larger than maxEventSize (${this.#maxEventSize} characters) was discarded.`,
    );
  }

  #reportLineTooLarge(): void {
    this.#report(
      "line-too-large",
      `A line that is no part of an event, longer than maxEventSize (${this.#maxEventSize} characters), was skipped.`,
    );
  }

  #clearEvent(): void {
    this.#data = undefined;
    this.#type = "";
    this.#idBuffer = this.#lastEventId;
  }

  #report(code: EventStreamParseErrorCode, message: string, field?: string, value?: string): void {
    if (this.#onError === undefined) return;
    callSafely(this.#onError, new EventStreamParseError(code, message, { field, value }));
  }

  #startOver(): void {
    this.#utf8.reset();
    this.#pending = "";
    this.#atStreamStart = true;
    this.#afterCR = false;
    this.#discard = KEEP;
    this.#clearEvent();
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "an object";
  return typeof value;
}
