/**
 * What the event stream parser reports through `onError`. None of these stop the parser: the
 * offending line or event is skipped and parsing goes on.
 *
 * - `event-too-large`: an event's buffered data plus the line being read grew past
 *   `maxEventSize`. The whole event is discarded (its data, type and id) up to the next blank line.
 * - `invalid-retry`: a `retry` field whose value is not ASCII digits. Ignored, as browsers do.
 * - `invalid-id`: an `id` field containing U+0000. Ignored, as browsers do.
 * - `unknown-field`: a field other than `event`, `data`, `id` and `retry` (names are
 *   case-sensitive, so `Data` lands here). Ignored, as browsers do.
 */
export type EventStreamParseErrorCode =
  | "event-too-large"
  | "invalid-retry"
  | "invalid-id"
  | "unknown-field";

/** A problem in the bytes of an event stream. Reported, never thrown. */
export class EventStreamParseError extends Error {
  override readonly name = "EventStreamParseError";
  readonly code: EventStreamParseErrorCode;
  /** The field name, for `invalid-retry`, `invalid-id` and `unknown-field`. */
  readonly field: string | undefined;
  /** The field value (at most 256 characters of it), for `invalid-retry`, `invalid-id` and `unknown-field`. */
  readonly value: string | undefined;

  constructor(
    code: EventStreamParseErrorCode,
    message: string,
    detail: { field?: string; value?: string } = {},
  ) {
    super(message);
    this.code = code;
    this.field = detail.field;
    this.value = detail.value === undefined ? undefined : detail.value.slice(0, 256);
  }
}

/**
 * Why a `FetchEventSource` connection attempt failed.
 *
 * - `http-status`: the response status was not 200 (`status`, `retryAfter` are set).
 * - `content-type`: the response was not `text/event-stream` (`contentType` is set).
 * - `network`: `fetch` rejected or the body stream errored (`cause` is set).
 * - `stream-ended`: the server ended the response body.
 * - `headers`: the `headers` function threw or rejected (`cause` is set).
 */
export type EventSourceErrorCode =
  | "http-status"
  | "content-type"
  | "network"
  | "stream-ended"
  | "headers";

export class EventSourceError extends Error {
  override readonly name = "EventSourceError";
  readonly code: EventSourceErrorCode;
  /** The HTTP status, for `http-status`. */
  readonly status: number | undefined;
  /** The response's Content-Type (or `null` when absent), for `content-type`. */
  readonly contentType: string | null | undefined;
  /** Milliseconds the server asked us to wait through `Retry-After`, when it did. */
  readonly retryAfter: number | undefined;

  constructor(
    code: EventSourceErrorCode,
    message: string,
    detail: {
      status?: number;
      contentType?: string | null;
      retryAfter?: number | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.code = code;
    this.status = detail.status;
    this.contentType = detail.contentType;
    this.retryAfter = detail.retryAfter;
  }
}
