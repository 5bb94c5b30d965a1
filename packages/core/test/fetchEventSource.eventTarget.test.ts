// FetchEventSource is an EventTarget, as the browser's EventSource is: the platform's own
// dispatch (once, signal, capture, handleEvent, stopImmediatePropagation, defaultPrevented) and
// real Event and MessageEvent objects, so code written for EventSource runs unchanged.
import type {
  FetchEventSource,
  FetchEventSourceErrorEvent,
  FetchEventSourceEvent,
  FetchEventSourceEventMap,
  FetchEventSourceMessageEvent,
} from "@wirekit/core/event-source";
import { describe, expect, expectTypeOf, it } from "vitest";
import { connect, EVENT_STREAM, next } from "./support/fetchEventSource.js";

/** A source reading `body` from a double, then ending (and closing: no retries). */
function streamOf(body: string): FetchEventSource {
  return connect("http://127.0.0.1/stream", {
    fetch: async () => new Response(body, { headers: EVENT_STREAM }),
    shouldRetry: () => "fatal",
  });
}

/** What `event` shows of the Event interface. */
function eventFields(event: Event) {
  return {
    bubbles: event.bubbles,
    cancelable: event.cancelable,
    composed: event.composed,
    defaultPrevented: event.defaultPrevented,
    eventPhase: event.eventPhase,
    isTrusted: event.isTrusted,
    timeStamp: typeof event.timeStamp,
  };
}

describe("FetchEventSource as an EventTarget", () => {
  it("is an EventTarget", () => {
    const source = streamOf("");
    expect(source).toBeInstanceOf(EventTarget);
    source.close();
  });

  it("dispatches open as an Event, messages as MessageEvents, error as an Event with the failure", async () => {
    const source = streamOf("id: 7\ndata: hello\n\nevent: named\ndata: two\ndata: lines\n\n");
    const seen: Array<{ event: Event; fields: ReturnType<typeof eventFields> }> = [];
    const record = (event: Event) => seen.push({ event, fields: eventFields(event) });
    for (const type of ["open", "message", "named", "error"]) source.addEventListener(type, record);
    await next(source, "error");

    expect(seen.map(({ event }) => event.type)).toEqual(["open", "message", "named", "error"]);
    const [open, message, named, error] = seen.map(({ event }) => event);
    expect(open).toBeInstanceOf(Event);
    expect(open).not.toBeInstanceOf(MessageEvent);
    for (const event of [message, named]) expect(event).toBeInstanceOf(MessageEvent);
    expect(message).toMatchObject({ data: "hello", lastEventId: "7", origin: "http://127.0.0.1" });
    expect(named).toMatchObject({ data: "two\nlines", lastEventId: "7" });
    expect(error).toBeInstanceOf(Event);
    expect(error).toMatchObject({ error: { code: "stream-ended" }, status: undefined });
    for (const { event, fields } of seen) {
      expect(event.target).toBe(source);
      // As the browser's: not bubbling, not cancelable, seen at the target.
      expect(fields).toEqual({
        bubbles: false,
        cancelable: false,
        composed: false,
        defaultPrevented: false,
        eventPhase: Event.AT_TARGET,
        // Events made by script are untrusted; only the browser's own EventSource makes trusted ones.
        isTrusted: false,
        timeStamp: "number",
      });
    }
  });

  it("calls listeners and handlers with the source as `this` and as the target", async () => {
    const source = streamOf("data: a\n\n");
    const seen: unknown[] = [];
    source.addEventListener("message", function (event) {
      seen.push(this, event.target);
    });
    source.onmessage = function (event) {
      // Not currentTarget: Node 20 clears it after the first listener of a dispatch.
      seen.push(this, event.target);
    };
    await next(source, "error");
    expect(seen).toEqual([source, source, source, source]);
  });

  it("adds an event handler attribute anew at the end after it was set to null", async () => {
    const source = streamOf("data: a\n\ndata: b\n\n");
    const seen: string[] = [];
    source.onmessage = (event) => seen.push(`first handler ${event.data}`);
    source.addEventListener("message", (event) => {
      seen.push(`listener ${event.data}`);
      if (event.data === "a") {
        source.onmessage = null;
        source.onmessage = (event) => seen.push(`second handler ${event.data}`);
      }
    });
    await next(source, "error");
    expect(seen).toEqual([
      "first handler a",
      "listener a",
      // Added during dispatch: not run for the event under way.
      "listener b",
      "second handler b",
    ]);
  });

  it("keeps a capture and a non-capture registration of one listener apart", async () => {
    const source = streamOf("data: a\n\n");
    const seen: string[] = [];
    const listener = (event: FetchEventSourceMessageEvent) => seen.push(event.data);
    source.addEventListener("message", listener);
    source.addEventListener("message", listener, { capture: true });
    source.removeEventListener("message", listener);
    source.addEventListener("message", listener, true);
    await next(source, "error");
    expect(seen).toEqual(["a"]);
  });

  it("dispatches events of your own, honouring preventDefault", () => {
    const source = streamOf("");
    source.close();
    source.addEventListener("custom", (event) => event.preventDefault());
    expect(source.dispatchEvent(new Event("custom", { cancelable: true }))).toBe(false);
    expect(source.dispatchEvent(new Event("custom"))).toBe(true);
  });

  it("goes wherever code typed against the DOM's EventSource expects one", () => {
    expectTypeOf<FetchEventSource>().toExtend<EventSource>();
    expectTypeOf<FetchEventSource>().toExtend<EventTarget>();
    expectTypeOf<FetchEventSourceMessageEvent>().toEqualTypeOf<MessageEvent<string>>();
    expectTypeOf<FetchEventSourceEvent>().toEqualTypeOf<Event>();
    expectTypeOf<FetchEventSourceErrorEvent>().toExtend<Event>();
    expectTypeOf<FetchEventSourceEventMap["message"]>().toExtend<EventSourceEventMap["message"]>();

    const source = streamOf("");
    source.close();
    function describeSource(eventSource: EventSource): string {
      eventSource.onmessage = (event) => event.data;
      eventSource.addEventListener("named", (event) => event.lastEventId);
      return eventSource.readyState === eventSource.CLOSED ? `closed ${eventSource.url}` : "live";
    }
    expect(describeSource(source)).toBe("closed http://127.0.0.1/stream");
    // Handlers and listeners written for the DOM's events fit, and ours keep what they add.
    const onDomMessage = (event: MessageEvent) => event.data;
    source.onmessage = onDomMessage;
    source.addEventListener("message", onDomMessage);
    source.onerror = (event) => event.error.code;
    source.addEventListener("error", (event) =>
      expectTypeOf(event.status).toEqualTypeOf<number | undefined>(),
    );
  });
});
