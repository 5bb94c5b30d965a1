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
 * Why a connection attempt failed or a live connection was lost: what a `Connection` keeps in its
 * `error` slot, and what a `FetchEventSource`'s `error` event carries.
 *
 * - `http-status`: the server answered with a status other than 200 (`status`, `retryAfter`).
 * - `content-type`: the response was not `text/event-stream` (an HTML error page, say;
 *   `contentType` is set).
 * - `invalid-response`: `fetch` gave something other than a Response with a readable body
 *   (node-fetch 2's Node stream, a string): a WHATWG `fetch` is needed.
 * - `network`: the request or socket failed, or the server could not be reached.
 * - `stream-ended`: the server ended the event stream.
 * - `closed`: the server closed the WebSocket (`closeCode`, `closeReason`).
 * - `connect-timeout`: the server accepted the connection but did not answer within `connectTimeout`.
 * - `heartbeat-timeout`: no answer to a WebSocket ping within the deadline.
 * - `watchdog-timeout`: no bytes on an event stream for longer than the watchdog allows.
 * - `headers`: the `headers` function threw or rejected.
 * - `retries-exhausted`: `maxAttempts` consecutive attempts failed (`cause` is the last failure).
 * - `credentials-expiring`: not a failure: what `onAuthFailure` is called with when the server
 *   says the credentials expire soon (PROTOCOL.md section 1a), so that it refreshes them.
 */
export type ConnectionErrorCode =
  | "http-status"
  | "content-type"
  | "invalid-response"
  | "network"
  | "stream-ended"
  | "headers"
  | "closed"
  | "connect-timeout"
  | "heartbeat-timeout"
  | "watchdog-timeout"
  | "retries-exhausted"
  | "credentials-expiring";

export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  readonly code: ConnectionErrorCode;
  /** The HTTP status, for `http-status`. */
  readonly status: number | undefined;
  /** The response's Content-Type (or `null` when absent), for `content-type`. */
  readonly contentType: string | null | undefined;
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
      contentType?: string | null;
      closeCode?: number;
      closeReason?: string;
      retryAfter?: number | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.code = code;
    this.status = detail.status;
    this.contentType = detail.contentType;
    this.closeCode = detail.closeCode;
    this.closeReason = detail.closeReason;
    this.retryAfter = detail.retryAfter;
  }
}
