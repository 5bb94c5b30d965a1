import { WirekitError } from "./errors.js";

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
export class EventStreamParseError extends WirekitError<
  EventStreamParseErrorCode,
  { field: string | undefined; value: string | undefined }
> {
  override readonly name = "EventStreamParseError";
  /** The field name, for `invalid-retry`, `invalid-id` and `unknown-field`. */
  declare readonly field: string | undefined;
  /** The field value (at most 256 characters of it), for `invalid-retry`, `invalid-id` and `unknown-field`. */
  declare readonly value: string | undefined;

  constructor(
    code: EventStreamParseErrorCode,
    message: string,
    detail: { field?: string | undefined; value?: string | undefined } = {},
  ) {
    super(code, message, { field: detail.field, value: detail.value?.slice(0, 256) });
  }
}
