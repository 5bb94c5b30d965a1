/**
 * `encode`, shared by every subscriber of a message (or watcher of a presence change): a broker
 * hands all the listeners of a channel the same message object, one after the other
 * (`Broker.subscribe`, `PresenceStore.watch`), so remembering the last one encoded turns a
 * thousand encodings into one. One that comes out of turn (a replay, a late catch-up) is encoded
 * again and is still right; only one is held.
 */
export function encodeOnce<Input extends object, Encoded>(
  encode: (input: Input) => Encoded,
): (input: Input) => Encoded {
  let last: { readonly input: Input; readonly encoded: Encoded } | undefined;
  return (input) => {
    if (last?.input !== input) last = { input, encoded: encode(input) };
    return last.encoded;
  };
}
