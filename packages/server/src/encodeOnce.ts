import type { BrokerMessage } from "./broker.js";

/**
 * `encode`, shared by every subscriber of a message: a broker hands all the listeners of a
 * channel the same message object, one after the other (`Broker.subscribe`), so remembering the
 * last message encoded turns a thousand encodings into one. A message that comes out of turn (a
 * replay, a late catch-up) is encoded again and is still right; only one message is held.
 */
export function encodeOnce<Encoded>(
  encode: (message: BrokerMessage) => Encoded,
): (message: BrokerMessage) => Encoded {
  let last: { readonly message: BrokerMessage; readonly encoded: Encoded } | undefined;
  return (message) => {
    if (last?.message !== message) last = { message, encoded: encode(message) };
    return last.encoded;
  };
}
