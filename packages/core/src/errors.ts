/**
 * The shape of every error wirekit reports: an `Error` whose `code` says which failure it is, with
 * the details that failure has as members, and the error that led to it as `cause`. Each kind of
 * failure is its own subclass (`ConnectionError`, `MessageError`, the channel errors); the details
 * are set from the last argument, so a subclass only names them.
 */
export class WirekitError<Code extends string, Detail extends object = object> extends Error {
  declare readonly code: Code;

  constructor(code: Code, message: string, detail?: Detail & { cause?: unknown }) {
    const { cause, ...fields } = detail ?? {};
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    Object.assign(this, fields);
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

export class ConnectionError extends WirekitError<
  ConnectionErrorCode,
  {
    status?: number | undefined;
    contentType?: string | null;
    closeCode?: number;
    closeReason?: string;
    retryAfter?: number | undefined;
  }
> {
  override readonly name = "ConnectionError";
  // The details below are own properties only where a failure has them (set from `detail`).
  /** The HTTP status, for `http-status`. */
  declare readonly status: number | undefined;
  /** The response's Content-Type (or `null` when absent), for `content-type`. */
  declare readonly contentType: string | null | undefined;
  /** The WebSocket close code, for `closed`. */
  declare readonly closeCode: number | undefined;
  /** The WebSocket close reason, for `closed`. */
  declare readonly closeReason: string | undefined;
  /** Milliseconds the server asked to wait (`Retry-After`), when it did. */
  declare readonly retryAfter: number | undefined;
}
