import { ConnectionError, type EventStreamParseError, type RetryDelayContext } from "@wirekit/core";
import {
  eventSourceShouldRetry,
  FetchEventSource,
  type FetchEventSourceErrorEvent,
  type FetchEventSourceMessageEvent,
  reconnectionDelay,
} from "@wirekit/core/event-source";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { connect, next } from "./support/fetchEventSource.js";
import { closedPort, EVENT_STREAM_HEADERS, startServer } from "./support/httpServer.js";
import { seededRandom } from "./support/random.js";

/** Resolves with the first `count` events of `type`. */
function take(
  source: FetchEventSource,
  type: string,
  count: number,
): Promise<FetchEventSourceMessageEvent[]> {
  const events: FetchEventSourceMessageEvent[] = [];
  return new Promise((resolve) => {
    const controller = new AbortController();
    source.addEventListener(
      type,
      (event) => {
        events.push(event);
        if (events.length === count) {
          controller.abort();
          resolve(events);
        }
      },
      { signal: controller.signal },
    );
  });
}

/** Waits for the source to settle in CLOSED after an error, returning that error event. */
async function nextFailure(source: FetchEventSource): Promise<FetchEventSourceErrorEvent> {
  const event = await next(source, "error");
  expect(source.readyState).toBe(FetchEventSource.CLOSED);
  return event;
}

const instant = { reconnectionTime: 0 } as const;

describe("FetchEventSource", () => {
  describe("the EventSource interface", () => {
    it("has the readyState constants on the class and on instances", async () => {
      const server = await startServer((_, response) => response.writeHead(204).end());
      const source = connect(server.url("/"));
      expect([FetchEventSource.CONNECTING, FetchEventSource.OPEN, FetchEventSource.CLOSED]).toEqual(
        [0, 1, 2],
      );
      expect([source.CONNECTING, source.OPEN, source.CLOSED]).toEqual([0, 1, 2]);
      expect(source.readyState).toBe(FetchEventSource.CONNECTING);
      expect(source.url).toBe(`${server.origin}/`);
      expect(source.withCredentials).toBe(false);
    });

    // Outside a document there is no base URL for a relative one to resolve against.
    it.each(["http://[bad", "http://[::1", "/relative"])(
      "throws a DOMException named SyntaxError for the URL %s, as EventSource does",
      (url) => {
        let thrown: unknown;
        try {
          new FetchEventSource(url);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(DOMException);
        expect(thrown).toMatchObject({ name: "SyntaxError" });
      },
    );

    it("rejects a body it could not send again, or on a GET", () => {
      expect(() => new FetchEventSource("http://127.0.0.1/", { body: "x" })).toThrow(TypeError);
      expect(
        () =>
          new FetchEventSource("http://127.0.0.1/", {
            method: "POST",
            body: new ReadableStream() as never,
          }),
      ).toThrow(/ReadableStream/);
    });

    it("opens on 200 text/event-stream and delivers messages with data, id and origin", async () => {
      const server = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.write("id: 1\ndata: hello\n\ndata: world\n\n");
      });
      const source = connect(server.url("/stream"));
      const opened = next(source, "open");
      const currentTargets: unknown[] = [];
      source.addEventListener("message", (event) => currentTargets.push(event.currentTarget));
      const messages = take(source, "message", 2);
      const open = await opened;
      expect(open.type).toBe("open");
      expect(open.target).toBe(source);
      expect(source.readyState).toBe(FetchEventSource.OPEN);
      const [first, second] = await messages;
      expect(first).toMatchObject({ type: "message", data: "hello", lastEventId: "1" });
      expect(second).toMatchObject({ data: "world", lastEventId: "1", origin: server.origin });
      expect(first?.target).toBe(source);
      expect(currentTargets).toEqual([source, source]);
      expect(source.lastEventId).toBe("1");
    });

    it("sends Accept, no-store, same-origin credentials, and no Last-Event-ID at first", async () => {
      const server = await startServer((_, response) => response.writeHead(204).end());
      const inits: RequestInit[] = [];
      const source = connect(server.url("/"), {
        fetch: (input, init) => {
          inits.push(init);
          return fetch(input, init);
        },
      });
      await nextFailure(source);
      expect(server.requests[0]?.headers.accept).toBe("text/event-stream");
      expect(server.requests[0]?.headers["last-event-id"]).toBeUndefined();
      expect(server.requests[0]?.method).toBe("GET");
      expect(inits[0]).toMatchObject({
        cache: "no-store",
        credentials: "same-origin",
        redirect: "follow",
      });
    });

    it("sends credentials with withCredentials", async () => {
      const server = await startServer((_, response) => response.writeHead(204).end());
      const inits: RequestInit[] = [];
      const source = connect(server.url("/"), {
        withCredentials: true,
        fetch: (input, init) => {
          inits.push(init);
          return fetch(input, init);
        },
      });
      await nextFailure(source);
      expect(source.withCredentials).toBe(true);
      expect(inits[0]?.credentials).toBe("include");
    });

    it("routes named events to their listeners and only `message` to onmessage", async () => {
      const server = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.write("event: add\ndata: 1\n\ndata: 2\n\nevent: remove\ndata: 3\n\n");
      });
      const source = connect(server.url("/"));
      const seen: string[] = [];
      source.onmessage = (event) => seen.push(`onmessage ${event.data}`);
      source.addEventListener("add", (event) => seen.push(`add ${event.data}`));
      await next(source, "remove");
      expect(seen).toEqual(["add 1", "onmessage 2"]);
    });
  });

  describe("listeners", () => {
    async function streamOf(body: string): Promise<FetchEventSource> {
      const server = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.write(body);
      });
      return connect(server.url("/"));
    }

    it("keeps an event handler attribute's place when it is replaced, and drops it on null", async () => {
      const source = await streamOf("data: a\n\ndata: b\n\ndata: c\n\n");
      const seen: string[] = [];
      source.onmessage = () => seen.push("first handler");
      source.addEventListener("message", (event) => {
        seen.push(`listener ${event.data}`);
        if (event.data === "a") source.onmessage = () => seen.push("second handler");
        if (event.data === "b") source.onmessage = null;
      });
      await take(source, "message", 3);
      expect(seen).toEqual([
        "first handler",
        "listener a",
        "second handler",
        "listener b",
        "listener c",
      ]);
      expect(source.onmessage).toBeNull();
    });

    it("supports once, signal, handleEvent objects, and ignores duplicates", async () => {
      const source = await streamOf("data: a\n\ndata: b\n\ndata: c\n\n");
      const seen: string[] = [];
      const controller = new AbortController();
      const listener = (event: FetchEventSourceMessageEvent) => seen.push(`plain ${event.data}`);
      source.addEventListener("message", listener);
      source.addEventListener("message", listener);
      source.addEventListener("message", (event) => seen.push(`once ${event.data}`), {
        once: true,
      });
      source.addEventListener(
        "message",
        {
          handleEvent: (event) => {
            seen.push(`object ${event.data}`);
            if (event.data === "b") controller.abort();
          },
        },
        { signal: controller.signal },
      );
      await take(source, "message", 3);
      expect(seen).toEqual(["plain a", "once a", "object a", "plain b", "object b", "plain c"]);
      source.removeEventListener("message", listener);
    });

    it("stops the remaining listeners on stopImmediatePropagation", async () => {
      const source = await streamOf("data: a\n\nevent: done\ndata: b\n\n");
      const seen: string[] = [];
      source.addEventListener("message", (event) => {
        seen.push("first");
        event.stopImmediatePropagation();
      });
      source.addEventListener("message", () => seen.push("second"));
      await next(source, "done");
      expect(seen).toEqual(["first"]);
    });

    it("goes on delivering when a listener throws, and reports its error as uncaught", async () => {
      const rethrown: unknown[] = [];
      // Node reports an exception from an EventTarget listener as an uncaught exception, as
      // browsers report it to the window's error event.
      process.setUncaughtExceptionCaptureCallback((error) => rethrown.push(error));
      onTestFinished(() => {
        process.setUncaughtExceptionCaptureCallback(null);
      });
      const source = await streamOf("data: a\n\ndata: b\n\n");
      const failure = new Error("listener bug");
      source.addEventListener("message", () => {
        throw failure;
      });
      const events = await take(source, "message", 2);
      expect(events.map((event) => event.data)).toEqual(["a", "b"]);
      await vi.waitFor(() => expect(rethrown).toEqual([failure, failure]));
    });
  });

  describe("failing the connection", () => {
    it.each([204, 205, 301, 404, 500, 503])(
      "closes on status %i with an error event carrying it, and never reconnects",
      async (status) => {
        const server = await startServer((_, response) => response.writeHead(status).end());
        const source = connect(server.url("/"), instant);
        const error = await nextFailure(source);
        expect(error.status).toBe(status);
        expect(error.error).toBeInstanceOf(ConnectionError);
        expect(error.error).toMatchObject({ code: "http-status", status });
        // With a reconnection time of 0 a reconnect would already have been sent by the time the
        // server answers a request of ours.
        await server.roundTrip();
        expect(server.requests).toHaveLength(1);
      },
    );

    it.each([
      ["text/plain", "text/plain"],
      ["application/json", "application/json; charset=utf-8"],
      ["none", undefined],
    ])("closes on Content-Type %s", async (_, contentType) => {
      const server = await startServer((_, response) => {
        response.writeHead(200, contentType === undefined ? {} : { "Content-Type": contentType });
        response.end("data: not an event stream\n\n");
      });
      const source = connect(server.url("/"), instant);
      const received: string[] = [];
      source.onmessage = (event) => received.push(event.data);
      const error = await nextFailure(source);
      expect(error.error).toMatchObject({ code: "content-type", contentType: contentType ?? null });
      expect(received).toEqual([]);
    });

    it.each([
      "text/event-stream; charset=iso-8859-1",
      "TEXT/Event-Stream",
      "text/event-stream;",
      " text/event-stream ; foo=bar",
    ])("accepts Content-Type %j and decodes UTF-8 whatever the charset", async (contentType) => {
      const server = await startServer((_, response) => {
        response.writeHead(200, { "Content-Type": contentType });
        response.write(Buffer.from("data: naïve ✓\n\n", "utf8"));
      });
      const source = connect(server.url("/"));
      expect((await next(source, "message")).data).toBe("naïve ✓");
    });

    it("lets a retry policy opt in to retrying 503, honouring Retry-After", async () => {
      const server = await startServer((_, response, index) => {
        if (index === 0) {
          response.writeHead(503, { "Retry-After": "0" }).end();
        } else {
          response.writeHead(200, EVENT_STREAM_HEADERS);
          response.write("data: back\n\n");
        }
      });
      const contexts: RetryDelayContext[] = [];
      const delay = reconnectionDelay();
      const source = connect(server.url("/"), {
        ...instant,
        shouldRetry: eventSourceShouldRetry({ retryStatuses: [503] }),
        retryDelay: (context) => {
          contexts.push(context);
          return delay(context);
        },
      });
      const error = await next(source, "error");
      expect(source.readyState).toBe(FetchEventSource.CONNECTING);
      expect(error.status).toBe(503);
      expect((await next(source, "message")).data).toBe("back");
      expect(contexts).toEqual([{ attempt: 1, serverRetry: 0, retryAfter: 0 }]);
    });
  });

  describe("reconnecting", () => {
    it("reconnects after the body ends, with Last-Event-ID, after the server's retry time", async () => {
      const server = await startServer((_, response, index) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        if (index === 0) response.end("retry: 25\nid: 7\ndata: first\n\nid: 8\ndata: cut");
        else response.write(`data: second\n\n`);
      });
      const delays: number[] = [];
      const delay = reconnectionDelay();
      const source = connect(server.url("/"), {
        retryDelay: (context) => {
          delays.push(delay(context));
          return delays.at(-1) as number;
        },
      });
      const seen: string[] = [];
      source.onerror = () => seen.push(`error, readyState ${source.readyState}`);
      source.onmessage = (event) => seen.push(`${event.data} ${event.lastEventId}`);
      await take(source, "message", 2);
      expect(seen).toEqual(["first 7", "error, readyState 0", "second 7"]);
      expect(delays).toEqual([25]);
      expect(server.requests[1]?.headers["last-event-id"]).toBe("7");
    });

    it("waits the reconnection time before reconnecting", async () => {
      vi.useFakeTimers();
      onTestFinished(() => {
        vi.useRealTimers();
      });
      const requests: string[] = [];
      const encoder = new TextEncoder();
      const source = connect("http://127.0.0.1/stream", {
        fetch: async (_, init) => {
          requests.push(new Headers(init.headers).get("Last-Event-ID") ?? "");
          const body = new ReadableStream({
            start(controller) {
              controller.enqueue(encoder.encode("retry: 2000\nid: 1\ndata: x\n\n"));
              controller.close();
            },
          });
          return new Response(body, { headers: EVENT_STREAM_HEADERS });
        },
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(requests).toEqual([""]);
      expect(source.readyState).toBe(FetchEventSource.CONNECTING);
      await vi.advanceTimersByTimeAsync(1999);
      expect(requests).toEqual([""]);
      await vi.advanceTimersByTimeAsync(1);
      expect(requests).toEqual(["", "1"]);
    });

    it("reconnects after a network error, and close() in onerror stops it", async () => {
      const port = await closedPort();
      const source = connect(`http://127.0.0.1:${port}/`, instant);
      const errors: FetchEventSourceErrorEvent[] = [];
      source.onerror = (event) => {
        errors.push(event);
        expect(source.readyState).toBe(FetchEventSource.CONNECTING);
        if (errors.length === 3) source.close();
      };
      await vi.waitFor(() => expect(errors).toHaveLength(3));
      expect(source.readyState).toBe(FetchEventSource.CLOSED);
      expect(errors.map((event) => event.error.code)).toEqual(["network", "network", "network"]);
      expect(errors[0]?.error.cause).toBeInstanceOf(Error);
    });

    it("seeds the first Last-Event-ID from the lastEventId option, sent as UTF-8", async () => {
      const server = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.write("data: resumed\n\n");
      });
      const source = connect(server.url("/"), { lastEventId: "naïve-✓-42" });
      const event = await next(source, "message");
      expect(event.lastEventId).toBe("naïve-✓-42");
      const header = server.requests[0]?.headers["last-event-id"] as string;
      expect(Buffer.from(header, "latin1").toString("utf8")).toBe("naïve-✓-42");
    });

    it("calls a headers function before every connect, so a refreshed token goes out", async () => {
      const server = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.end("data: tick\n\n");
      });
      let token = 0;
      const source = connect(server.url("/"), {
        ...instant,
        headers: async () => ({ Authorization: `Bearer ${++token}`, Accept: "text/html" }),
      });
      await take(source, "message", 3);
      const sent = server.requests.slice(0, 3).map((request) => request.headers);
      expect(sent.map((headers) => headers.authorization)).toEqual([
        "Bearer 1",
        "Bearer 2",
        "Bearer 3",
      ]);
      expect(sent.every((headers) => headers.accept === "text/event-stream")).toBe(true);
    });

    it("reports a failing headers function as an error and retries", async () => {
      const server = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.write("data: ok\n\n");
      });
      let calls = 0;
      const source = connect(server.url("/"), {
        ...instant,
        headers: () => {
          calls += 1;
          if (calls === 1) throw new Error("token service down");
          return { Authorization: "Bearer fresh" };
        },
      });
      const error = await next(source, "error");
      expect(error.error).toMatchObject({
        code: "headers",
        cause: new Error("token service down"),
      });
      expect((await next(source, "message")).data).toBe("ok");
      expect(server.requests).toHaveLength(1);
    });

    it("POSTs the body on every connect", async () => {
      const server = await startServer((request, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.end(`data: ${request.method} ${request.body}\n\n`);
      });
      const source = connect(server.url("/chat"), {
        ...instant,
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ prompt: "hi" }),
      });
      const events = await take(source, "message", 2);
      expect(events.map((event) => event.data)).toEqual([
        'POST {"prompt":"hi"}',
        'POST {"prompt":"hi"}',
      ]);
      expect(server.requests[1]?.headers["content-type"]).toBe("application/json");
    });

    it("follows redirects and reports the final origin", async () => {
      const target = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.write("data: moved\n\n");
      });
      const redirector = await startServer((_, response) => {
        response.writeHead(307, { Location: target.url("/stream") }).end();
      });
      // Same host, other port: another origin.
      const source = connect(redirector.url("/old"));
      const event = await next(source, "message");
      expect(event.origin).toBe(target.origin);
      expect(event.origin).not.toBe(redirector.origin);
      expect(source.url).toBe(redirector.url("/old"));
    });
  });

  describe("close()", () => {
    it("is synchronous and final: nothing more is delivered, not even from the same chunk", async () => {
      const server = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.write("data: 1\n\ndata: 2\n\ndata: 3\n\n");
      });
      const source = connect(server.url("/"), instant);
      const seen: string[] = [];
      source.onerror = () => seen.push("error");
      source.onmessage = (event) => {
        seen.push(event.data);
        source.close();
        expect(source.readyState).toBe(FetchEventSource.CLOSED);
      };
      await next(source, "message");
      await server.roundTrip();
      expect(seen).toEqual(["1"]);
      expect(server.requests).toHaveLength(1);
    });

    it("aborts a connection that is still being made", async () => {
      let release = () => {};
      const server = await startServer((_, response) => {
        release = () => {
          response.writeHead(200, EVENT_STREAM_HEADERS);
          response.write("data: late\n\n");
        };
      });
      const source = connect(server.url("/"));
      const seen: string[] = [];
      source.onopen = () => seen.push("open");
      source.onerror = () => seen.push("error");
      source.onmessage = () => seen.push("message");
      await vi.waitFor(() => expect(server.requests).toHaveLength(1));
      source.close();
      release();
      await server.roundTrip();
      expect(seen).toEqual([]);
      expect(source.readyState).toBe(FetchEventSource.CLOSED);
    });
  });

  describe("bad input", () => {
    it("discards an event over maxEventSize with a typed error and keeps the stream open", async () => {
      const server = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.write(`data: ${"x".repeat(2048)}\n\ndata: small\n\n`);
      });
      const parseErrors: EventStreamParseError[] = [];
      const source = connect(server.url("/"), {
        maxEventSize: 1024,
        onParseError: (error) => parseErrors.push(error),
      });
      const event = await next(source, "message");
      expect(event.data).toBe("small");
      expect(parseErrors.map((error) => error.code)).toEqual(["event-too-large"]);
      expect(source.readyState).toBe(FetchEventSource.OPEN);
    });

    it("survives binary garbage and recovers at the next event", async () => {
      const random = seededRandom(42);
      const garbage = Buffer.from(Array.from({ length: 256 * 1024 }, () => random() * 256));
      const server = await startServer((_, response) => {
        response.writeHead(200, EVENT_STREAM_HEADERS);
        response.write(garbage);
        response.write("\n\n\nevent: sentinel\ndata: still alive\n\n");
      });
      const source = connect(server.url("/"), { maxEventSize: 16 * 1024, onParseError: () => {} });
      const event = await next(source, "sentinel");
      expect(event.data).toBe("still alive");
      expect(source.readyState).toBe(FetchEventSource.OPEN);
    });
  });

  it("delivers a long numbered stream exactly once and in order while the server cuts it at random points", async () => {
    const total = 3000;
    const random = seededRandom(2026);
    const frame = (id: number) => `id: ${id}\ndata: {"n":${id},"pad":"${"·".repeat(id % 40)}"}\n\n`;
    let cuts = 0;
    const server = await startServer((request, response) => {
      const from = Number(request.headers["last-event-id"] ?? 0) + 1;
      response.writeHead(200, EVENT_STREAM_HEADERS);
      response.write("retry: 1\n\n");
      let body = "";
      for (let id = from; id <= total; id++) body += frame(id);
      const bytes = Buffer.from(body, "utf8");
      if (bytes.length < 2000) {
        // The last connection carries the rest of the stream in full.
        response.write(bytes);
        return;
      }
      // Cut anywhere, mid-event or even mid-character, by ending or by destroying the socket.
      const cut = Math.floor(random() * 6000);
      cuts += 1;
      response.write(bytes.subarray(0, cut), () => {
        if (random() < 0.5) response.end();
        else response.socket?.destroy();
      });
    });
    const source = connect(server.url("/numbers"));
    const events = await take(source, "message", total);
    const ids = events.map((event) => Number(event.lastEventId));
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(events.map((event) => JSON.parse(event.data).n)).toEqual(ids);
    expect(cuts).toBeGreaterThan(10);
  });
});
