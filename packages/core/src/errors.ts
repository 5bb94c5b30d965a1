/**
 * What the event stream parser reports through `onError`. None of these stop the parser: the
 * offending line or event is skipped and parsing goes on.
 *
 * - `event-too-large`: an event's buffered data plus the `data`, `event` or `id` line being read
 *   grew past `maxEventSize`. The whole event is discarded (its data, type and id) up to the next
 *   blank line. Comments, `retry` and unknown fields never count against an event.
 * - `line-too-large`: a comment, `retry` or unknown-field line longer than `maxEventSize` on its
 *   own. That line alone is skipped (a comment is not passed to `onComment`); the event around
 *   it is kept.
 * - `invalid-retry`: a `retry` field whose value is not ASCII digits. Ignored, as browsers do.
 * - `invalid-id`: an `id` field containing U+0000. Ignored, as browsers do.
 * - `unknown-field`: a field other than `event`, `data`, `id` and `retry` (names are
 *   case-sensitive, so `Data` lands here). Ignored, as browsers do.
 */
export type EventStreamParseErrorCode =
  | "event-too-large"
  | "line-too-large"
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
 * - `invalid-response`: `fetch` resolved to a response that cannot be read as a stream: its body
 *   is not a web `ReadableStream` (null, a string, the Node stream node-fetch 2 gives) or yields
 *   something other than bytes, or it is no Response at all. The same `fetch` would give the
 *   same again, so the default policies do not retry it.
 */
export type EventSourceErrorCode =
  | "http-status"
  | "content-type"
  | "network"
  | "stream-ended"
  | "headers"
  | "invalid-response";

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

/**
 * Why a connection attempt failed or a live connection was lost. Every failure a `Connection`
 * sees ends up as one of these in its `error` slot.
 *
 * - `http-status`: the server answered with a status other than 200 (`status`, `retryAfter`).
 * - `content-type`: the response was not `text/event-stream` (an HTML error page, say).
 * - `network`: the request or socket failed, or the server could not be reached.
 * - `stream-ended`: the server ended the event stream.
 * - `closed`: the server closed the WebSocket (`closeCode`, `closeReason`).
 * - `connect-timeout`: the server accepted the connection but did not answer within `connectTimeout`.
 * - `heartbeat-timeout`: no answer to a WebSocket ping within the deadline.
 * - `watchdog-timeout`: no bytes on an event stream for longer than the watchdog allows.
 * - `headers`: the `headers` function threw or rejected.
 * - `invalid-response`: `fetch` resolved to a response whose body is not a readable stream.
 * - `retries-exhausted`: `maxAttempts` consecutive attempts failed (`cause` is the last failure).
 */
export type ConnectionErrorCode =
  | EventSourceErrorCode
  | "closed"
  | "connect-timeout"
  | "heartbeat-timeout"
  | "watchdog-timeout"
  | "retries-exhausted";

export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  readonly code: ConnectionErrorCode;
  /** The HTTP status, for `http-status`. */
  readonly status: number | undefined;
  /** The WebSocket close code, for `closed`. */
  readonly closeCode: number | undefined;
  /** The WebSocket close reason, for `closed`. */
  readonly closeReason: string | undefined;
  /** Milliseconds the server asked to wait (`Retry-After`), when it did. */
  readonly retryAfter: number | undefined;

  constructor(
    code: ConnectionErrorCode,
    message: string,
    detail: {
      status?: number | undefined;
      closeCode?: number;
      closeReason?: string;
      retryAfter?: number | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.code = code;
    this.status = detail.status;
    this.closeCode = detail.closeCode;
    this.closeReason = detail.closeReason;
    this.retryAfter = detail.retryAfter;
  }

  /** The same failure, as a connection error. */
  static from(error: EventSourceError): ConnectionError {
    return new ConnectionError(error.code, error.message, {
      status: error.status,
      retryAfter: error.retryAfter,
      cause: error.cause ?? error,
    });
  }
}
