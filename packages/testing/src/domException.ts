/**
 * A `DOMException` named `name`, as browsers throw from `WebSocket` and `EventSource`; an `Error`
 * with that name in a runtime without `DOMException`.
 */
export function domException(name: string, message: string): Error {
  if (typeof DOMException === "function") return new DOMException(message, name);
  const error = new Error(message);
  error.name = name;
  return error;
}
