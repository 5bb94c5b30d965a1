// What makes a fetch Response an event stream FetchEventSource may open, and how it gives up on
// one it will not read.
import { ConnectionError } from "./errors.js";
import { parseRetryAfter } from "./eventSourceRetry.js";

/**
 * The reader of a response that opens the stream and the origin its events carry, or why the
 * response fails the connection. Never throws: `fetch` may be a polyfill or a test double that
 * resolves to anything. `now` reads a date in `Retry-After`.
 */
export function acceptResponse(
  response: Response,
  requestUrl: string,
  now: number,
): { reader: ReadableStreamDefaultReader<Uint8Array>; origin: string } | ConnectionError {
  try {
    if (response.status !== 200) {
      return new ConnectionError("http-status", `The server answered ${response.status}.`, {
        status: response.status,
        retryAfter: parseRetryAfter(response.headers.get("Retry-After"), now),
      });
    }
    const contentType = response.headers.get("Content-Type");
    if (!isEventStream(contentType)) {
      return new ConnectionError(
        "content-type",
        `Expected Content-Type text/event-stream, got ${contentType === null ? "none" : contentType}.`,
        { contentType },
      );
    }
    const body: unknown = response.body;
    if (!isReadableStream(body)) {
      return new ConnectionError(
        "invalid-response",
        `The response body is ${describeBody(body)}, not a ReadableStream: use a WHATWG fetch.`,
      );
    }
    // Events carry the origin of the final URL, after redirects.
    const origin = new URL(response.url || requestUrl).origin;
    return { reader: body.getReader(), origin };
  } catch (cause) {
    return new ConnectionError(
      "invalid-response",
      "`fetch` resolved to something that is not a readable Response.",
      { cause },
    );
  }
}

/** The essence of a MIME type is what comes before parameters, compared case-insensitively. */
function isEventStream(contentType: string | null): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === "text/event-stream";
}

/**
 * Header values are byte strings; the spec sends Last-Event-ID as UTF-8, so each UTF-8 byte
 * becomes one code unit.
 */
export function toByteString(value: string): string {
  let bytes = "";
  for (const byte of new TextEncoder().encode(value)) bytes += String.fromCharCode(byte);
  return bytes;
}

function isReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { getReader?: unknown }).getReader === "function"
  );
}

function describeBody(body: unknown): string {
  if (body === null || body === undefined) return String(body);
  if (typeof body !== "object") return `a ${typeof body}`;
  // node-fetch 2 and other Node-only clients hand out Node streams.
  if (typeof (body as { pipe?: unknown }).pipe === "function") return "a Node.js stream";
  return `an object without getReader()`;
}

/** Releases a response's connection without reading it, whatever shape its body has. */
export function discardBody(response: Response): void {
  try {
    const body: unknown = response?.body;
    if (isReadableStream(body)) {
      if (!body.locked) body.cancel().catch(() => {});
    } else if (typeof (body as { destroy?: unknown } | null)?.destroy === "function") {
      // A Node stream keeps its socket, and so the process, alive until destroyed.
      (body as { destroy(): void }).destroy();
    }
  } catch {
    // Not a Response at all: nothing to release.
  }
}
