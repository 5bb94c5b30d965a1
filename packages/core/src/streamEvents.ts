/**
 * Event names a wirekit server reserves on an event stream (PROTOCOL.md section 9).
 * - `wirekit-gap`: the server could not resume from `Last-Event-ID` (its data); what the
 *   client shows must be refetched.
 * - `wirekit-position`: where the stream stands (its `id:`), for a client that has no message to
 *   resume from yet.
 */
export const STREAM_GAP_EVENT = "wirekit-gap";
export const STREAM_POSITION_EVENT = "wirekit-position";
