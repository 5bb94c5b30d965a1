import { domException } from "./domException.js";
import type { EventSourceConnector } from "./fakeEventSource.js";

/** The `fetch` a fake server hands out: event-stream requests only, answered by its script. */
export type FakeFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A `fetch` whose requests reach the fake server's `onRequest` handlers, for `FetchEventSource`
 * and anything else that reads an event stream over fetch: POST with a body, headers, and
 * `Last-Event-ID` on a reconnect. The response body is a real `ReadableStream` of
 * `text/event-stream` bytes, so the client's own parser reads what the script wrote.
 */
export function createFakeFetch(connector: EventSourceConnector): FakeFetch {
  return (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    const url = resolveUrl(request?.url ?? String(input));
    const method = (init.method ?? request?.method ?? "GET").toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers ?? request?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = readBody(init.body);
    const signal = init.signal ?? request?.signal ?? undefined;
    const encoder = new TextEncoder();

    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
      let settled = false;
      const write = (text: string) => {
        try {
          // Copied into this realm's Uint8Array: jsdom's TextEncoder returns another realm's,
          // which a reader checking `instanceof Uint8Array` refuses.
          stream?.enqueue(new Uint8Array(encoder.encode(text)));
        } catch {
          // The reader went away (cancelled the body): nobody reads what follows.
        }
      };
      const server = connector.request(
        {
          url,
          lastEventId: headers["last-event-id"] ?? "",
          withCredentials: init.credentials === "include",
          method,
          headers,
          body,
        },
        {
          open() {
            if (settled) return;
            settled = true;
            const bodyStream = new ReadableStream<Uint8Array>({
              start(controller) {
                stream = controller;
              },
              cancel() {
                stream = undefined;
                server.abort();
              },
            });
            resolve(
              new Response(bodyStream, {
                status: 200,
                headers: { "Content-Type": "text/event-stream" },
              }),
            );
          },
          event(type, data, id) {
            const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
            const idLine = id === undefined ? "" : `id: ${id}\n`;
            write(`event: ${type}\n${idLine}${lines.join("")}\n`);
          },
          retry(milliseconds) {
            write(`retry: ${milliseconds}\n\n`);
          },
          lost(how) {
            if (!settled) {
              settled = true;
              reject(new TypeError("fetch failed: the fake server refused the connection."));
              return;
            }
            const controller = stream;
            stream = undefined;
            try {
              if (how === "ended") controller?.close();
              else controller?.error(new TypeError("network error: the connection was dropped."));
            } catch {
              // Already cancelled by the reader.
            }
          },
          fail({ status, contentType }) {
            if (settled) return;
            settled = true;
            resolve(new Response(null, { status, headers: { "Content-Type": contentType } }));
          },
        },
      );
      signal?.addEventListener(
        "abort",
        () => {
          server.abort();
          if (!settled) {
            settled = true;
            reject(abortError());
            return;
          }
          const controller = stream;
          stream = undefined;
          try {
            controller?.error(abortError());
          } catch {
            // Already closed.
          }
        },
        { once: true },
      );
    });
  };
}

function abortError(): Error {
  return domException("AbortError", "The request was aborted.");
}

function resolveUrl(url: string): string {
  // Relative URLs resolve against the document, as in browsers.
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  return new URL(url, base).href;
}

function readBody(body: RequestInit["body"]): string {
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError(
    "server.fetch: only text bodies are supported (a string or URLSearchParams); FetchEventSource resends the body on every reconnect, so it is text in practice.",
  );
}
