// Runs in real Chromium: FetchEventSource against the browser's own EventSource, on the same
// bytes from the same server. Where they differ, ours is wrong.
import { FetchEventSource } from "@wirekit/core/event-source";
import { describe, expect, inject, it } from "vitest";
import { fixtures } from "./support/fixtures.js";

const origin = inject("eventStreamServer");

interface Seen {
  type: string;
  data: string;
  lastEventId: string;
}

/**
 * Every event of `types` until the stream ends (the first `error`), then closes the source. Typed
 * as the DOM's EventSource: a FetchEventSource goes wherever one does.
 */
function eventsUntilEnd(
  source: EventSource,
  types: readonly string[],
): Promise<{ seen: Seen[]; allMessageEvents: boolean }> {
  return new Promise((resolve) => {
    const seen: Seen[] = [];
    let allMessageEvents = true;
    for (const type of types) {
      source.addEventListener(type, (event) => {
        const { data, lastEventId } = event as MessageEvent<string>;
        seen.push({ type: event.type, data, lastEventId });
        allMessageEvents &&= event instanceof MessageEvent;
      });
    }
    source.addEventListener("error", () => {
      source.close();
      resolve({ seen, allMessageEvents });
    });
  });
}

/** The first `count` message events, resuming across as many reconnects as it takes. */
function firstMessages(source: EventSource, count: number): Promise<Seen[]> {
  return new Promise((resolve) => {
    const seen: Seen[] = [];
    source.addEventListener("message", ({ type, data, lastEventId }) => {
      seen.push({ type, data, lastEventId });
      if (seen.length === count) {
        source.close();
        resolve(seen);
      }
    });
  });
}

// Fixtures with parser options have no counterpart in the native EventSource.
const comparable = fixtures
  .map((fixture, index) => ({ ...fixture, url: `${origin}/fixture/${index}` }))
  .filter((fixture) => fixture.options === undefined);

describe("FetchEventSource in Chromium", () => {
  it.each(comparable)("sees what the browser's EventSource sees: $name", async (fixture) => {
    const expected = fixture.expected.events ?? [];
    const types = [...new Set(["message", ...expected.map((event) => event.type)])];
    const native = await eventsUntilEnd(new EventSource(fixture.url), types);
    const ours = await eventsUntilEnd(
      new FetchEventSource(fixture.url, { shouldRetry: () => "fatal" }),
      types,
    );
    expect(ours.seen).toEqual(native.seen);
    expect(ours.seen).toEqual(expected);
    expect(native.allMessageEvents).toBe(true);
    expect(ours.allMessageEvents).toBe(true);
  });

  it("dispatches events as the browser's EventSource does: classes, target, currentTarget, flags", async () => {
    /** What the listeners of one source see: two listeners and onmessage around them. */
    const views = (source: EventSource) =>
      new Promise<unknown[]>((resolve) => {
        const seen: unknown[] = [];
        const view = (where: string, self: unknown, event: Event) => ({
          where,
          type: event.type,
          isMessageEvent: event instanceof MessageEvent,
          thisIsSource: self === source,
          targetIsSource: event.target === source,
          currentTargetIsSource: event.currentTarget === source,
          eventPhase: event.eventPhase,
          bubbles: event.bubbles,
          cancelable: event.cancelable,
          defaultPrevented: event.defaultPrevented,
        });
        source.addEventListener("open", function (event) {
          seen.push(view("open listener", this, event));
        });
        source.addEventListener("message", function (event) {
          seen.push(view("first listener", this, event));
        });
        source.onmessage = function (event) {
          seen.push(view("onmessage", this, event));
        };
        source.addEventListener("message", function (event) {
          seen.push(view("last listener", this, event));
        });
        source.onerror = function (event) {
          seen.push(view("onerror", this, event));
          source.close();
          resolve(seen);
        };
      });
    const url = `${origin}/fixture/0`;
    const native = await views(new EventSource(url));
    const ours = await views(new FetchEventSource(url, { shouldRetry: () => "fatal" }));
    expect(ours).toEqual(native);
    expect(ours).toHaveLength(5);
  });

  it("resumes with Last-Event-ID across reconnects, as the browser's EventSource does", async () => {
    const url = `${origin}/numbers?total=40`;
    const native = await firstMessages(new EventSource(url), 40);
    const ours = await firstMessages(new FetchEventSource(url), 40);
    expect(ours.map((event) => event.lastEventId)).toEqual(
      Array.from({ length: 40 }, (_, index) => String(index + 1)),
    );
    expect(ours).toEqual(native);
  });

  it("sends headers cross-origin, refreshed on every reconnect", async () => {
    let token = 0;
    const source = new FetchEventSource(`${origin}/numbers?total=20`, {
      headers: async () => ({ Authorization: `Bearer ${++token}` }),
    });
    const events = await firstMessages(source, 20);
    // Seven events per connection: the token changes with each one.
    expect(events[0]?.data).toBe("1 Bearer 1");
    expect(events[7]?.data).toBe("8 Bearer 2");
    expect(events[19]?.data).toBe("20 Bearer 3");
  });
});
