// What `fetch` may resolve to besides a proper Response: polyfills (node-fetch 2 gives a Node
// stream as the body) and test doubles. Each must end in an `error` event, never in a rejection
// nobody handles (which ends a Node process) or a source stuck OPEN.
import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { RetryDecision } from "@wirekit/core";
import {
  eventSourceShouldRetry,
  FetchEventSource,
  type FetchEventSourceInit,
} from "@wirekit/core/event-source";
import { describe, expect, it, vi } from "vitest";
import { connect, EVENT_STREAM, next, unhandledRejections } from "./support/fetchEventSource.js";

const URL = "http://127.0.0.1/stream";

/** A response-shaped object with `body` as its body, as a double or polyfill may make one. */
function responseWith(body: unknown): unknown {
  return { status: 200, url: URL, headers: new Headers(EVENT_STREAM), body };
}

/** Options whose `fetch` answers every request with `respond()`, and what the source decided. */
function answering(respond: () => unknown) {
  const decisions: RetryDecision[] = [];
  const classify = eventSourceShouldRetry();
  let requests = 0;
  const init: FetchEventSourceInit = {
    reconnectionTime: 0,
    fetch: async () => {
      requests += 1;
      return respond() as Response;
    },
    shouldRetry: (error) => {
      const decision = classify(error);
      decisions.push(decision);
      return decision;
    },
  };
  return { init, decisions, requests: () => requests };
}

function lockedBody(): unknown {
  const response = new Response("data: x\n\n", { headers: EVENT_STREAM });
  response.body?.getReader();
  return response;
}

const unreadable: Array<[string, () => unknown, RegExp]> = [
  ["a null body", () => new Response(null, { headers: EVENT_STREAM }), /body is null/],
  ["a string body", () => responseWith("data: x\n\n"), /body is a string/],
  ["a body without getReader()", () => responseWith({ read() {} }), /without getReader/],
  [
    "a Node.js stream body, as node-fetch 2 gives",
    () => responseWith(Readable.from(["data: x\n\n"])),
    /Node\.js stream/,
  ],
  ["a body another reader has locked", lockedBody, /not a readable Response/],
  ["something that is no Response at all", () => ({}), /not a readable Response/],
];

describe("FetchEventSource given a response it cannot read", () => {
  it.each(unreadable)(
    "%s: an invalid-response error before any open, closed for good, nothing rejected",
    async (_, respond, message) => {
      const rejections = unhandledRejections();
      const { init, decisions, requests } = answering(respond);
      const source = connect(URL, init);
      const seen: string[] = [];
      source.onopen = () => seen.push("open");
      const event = await next(source, "error");
      expect(seen).toEqual([]);
      expect(event.error).toMatchObject({ code: "invalid-response" });
      expect(event.error.message).toMatch(message);
      expect(source.readyState).toBe(FetchEventSource.CLOSED);
      // The same fetch would give the same body again: the default policy gives up at once.
      expect(decisions).toEqual(["fatal"]);
      // Node reports unhandled rejections between turns of the event loop: one turn settles it.
      await nextTurn();
      expect(requests()).toBe(1);
      expect(rejections).toEqual([]);
    },
  );

  it("fails with invalid-response when the body gives chunks that are not bytes", async () => {
    const rejections = unhandledRejections();
    const { init, decisions } = answering(() => {
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(42);
        },
      });
      return responseWith(body);
    });
    const source = connect(URL, init);
    const seen: string[] = [];
    source.onopen = () => seen.push(`open ${source.readyState}`);
    const event = await next(source, "error");
    expect(seen).toEqual(["open 1"]);
    expect(event.error).toMatchObject({ code: "invalid-response" });
    expect(event.error.cause).toBeInstanceOf(TypeError);
    expect(source.readyState).toBe(FetchEventSource.CLOSED);
    expect(decisions).toEqual(["fatal"]);
    await nextTurn();
    expect(rejections).toEqual([]);
  });

  it("closes, and reports the exception, when the retry policy throws", async () => {
    const rejections = unhandledRejections();
    const reported: unknown[] = [];
    const realQueueMicrotask = queueMicrotask;
    vi.stubGlobal("queueMicrotask", (task: () => void) =>
      realQueueMicrotask(() => {
        try {
          task();
        } catch (error) {
          reported.push(error);
        }
      }),
    );
    const bug = new Error("policy bug");
    const source = connect(URL, {
      fetch: async () => new Response("data: x\n\n", { headers: EVENT_STREAM }),
      shouldRetry: () => {
        throw bug;
      },
    });
    try {
      const event = await next(source, "error");
      expect(event.error.code).toBe("stream-ended");
      expect(source.readyState).toBe(FetchEventSource.CLOSED);
      await vi.waitFor(() => expect(reported).toEqual([bug]));
    } finally {
      vi.unstubAllGlobals();
    }
    await nextTurn();
    expect(rejections).toEqual([]);
  });
});
