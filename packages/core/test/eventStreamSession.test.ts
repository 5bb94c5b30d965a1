// The sessions an event-stream transport opens, over either EventSource: named events asked for at
// any time, before the stream opens included, are listened to once each, in every later session too.
import {
  Connection,
  type EventSourceTransportOptions,
  eventSourceTransport,
  STREAM_POSITION_EVENT,
  type Transport,
  type TransportCallbacks,
  type TransportMessage,
} from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import {
  createFakeServer,
  createPageLifecycleControls,
  type FakeServerStream,
} from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";

function open(transport: Transport) {
  const messages: TransportMessage[] = [];
  const badInput: string[] = [];
  let opened = false;
  let closed = false;
  const callbacks: TransportCallbacks = {
    onOpen: () => {
      opened = true;
    },
    onMessage: (message) => messages.push(message),
    onActivity: () => {},
    onClose: () => {
      closed = true;
    },
    onBadInput: (error) => badInput.push(error.code),
  };
  const session = transport.open(callbacks);
  onTestFinished(() => session.close());
  return { session, messages, badInput, isOpen: () => opened, isClosed: () => closed };
}

type Listener = (event: { data?: unknown; lastEventId?: string }) => void;

/** An EventSource driven by hand: unlike a real one, it can still fire after it was closed. */
class ManualEventSource {
  static last: ManualEventSource | undefined;
  readyState = 0;
  reconnectionTime: number | undefined;
  readonly #listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {
    ManualEventSource.last = this;
  }

  close(): void {
    this.readyState = 2;
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  fire(type: string, event: { data?: unknown; lastEventId?: string } = {}): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
}

type More = Partial<EventSourceTransportOptions>;

const transports = {
  "the browser's EventSource": (server: ReturnType<typeof createFakeServer>, more: More = {}) =>
    eventSourceTransport({ url: "http://stream.test/", EventSource: server.EventSource, ...more }),
  FetchEventSource: (server: ReturnType<typeof createFakeServer>, more: More = {}) =>
    eventSourceTransport({
      FetchEventSource,
      url: "http://stream.test/",
      fetch: server.fetch,
      ...more,
    }),
};

/** The id a request resumes from: the query parameter (the browser's EventSource), or the header. */
function resumedFrom(stream: FakeServerStream): string {
  return new URL(stream.url).searchParams.get("lastEventId") ?? stream.lastEventId;
}

describe.each(Object.entries(transports))("an event-stream session over %s", (_name, make) => {
  it("delivers each named event once, however often and however early it was asked for", async () => {
    const server = createFakeServer();
    const streams: FakeServerStream[] = [];
    server.onRequest((stream) => streams.push(stream));
    const transport = make(server);
    const { session, messages, isOpen } = open(transport);
    // Asked for at once, before the stream opens.
    transport.listen(["early", "early"]);
    await vi.waitFor(() => expect(isOpen()).toBe(true));
    transport.listen(["early", "late"]);
    transport.listen(["late"]);
    streams[0]?.event({ event: "early", data: "1" });
    streams[0]?.event({ event: "late", data: "2" });
    streams[0]?.event({ event: "unheard", data: "3" });
    streams[0]?.event({ data: "4" });
    await vi.waitFor(() => expect(messages).toHaveLength(3));
    expect(messages.map(({ event, data }) => [event, data])).toEqual([
      ["early", "1"],
      ["late", "2"],
      ["message", "4"],
    ]);
    // The next session listens to them from the start, unasked.
    session.close();
    const next = open(transport);
    await vi.waitFor(() => expect(next.isOpen()).toBe(true));
    streams[1]?.event({ event: "late", data: "5" });
    await vi.waitFor(() => expect(next.messages.map(({ data }) => data)).toEqual(["5"]));
  });

  it("takes a server's own `event: error` for an event, never for a failure of the stream", async () => {
    const server = createFakeServer();
    const streams: FakeServerStream[] = [];
    server.onRequest((stream) => streams.push(stream));
    const transport = make(server);
    const { messages, isOpen, isClosed } = open(transport);
    await vi.waitFor(() => expect(isOpen()).toBe(true));
    streams[0]?.event({ event: "error", id: "1", data: "unheard" });
    streams[0]?.event({ id: "2", data: "before" });
    await vi.waitFor(() => expect(messages).toHaveLength(1));
    transport.listen(["error"]);
    streams[0]?.event({ event: "error", id: "3", data: "quota" });
    streams[0]?.event({ id: "4", data: "after" });
    await vi.waitFor(() => expect(messages).toHaveLength(3));
    expect(messages.map(({ event, data }) => [event, data])).toEqual([
      ["message", "before"],
      ["error", "quota"],
      ["message", "after"],
    ]);
    expect(isClosed()).toBe(false);
    expect(transport.lastEventId).toBe("4");
    // A real failure, heard by the same name, ends the session and is no event.
    streams[0]?.drop();
    await vi.waitFor(() => expect(isClosed()).toBe(true));
    expect(messages).toHaveLength(3);
    // So does one in a session that listens to "error" from its start.
    const next = open(transport);
    await vi.waitFor(() => expect(next.isOpen()).toBe(true));
    streams[1]?.drop();
    await vi.waitFor(() => expect(next.isClosed()).toBe(true));
    expect(next.messages).toEqual([]);
  });

  it("resumes every session from where the stream stands: the id given, an event's, a position's", async () => {
    const server = createFakeServer();
    const streams: FakeServerStream[] = [];
    server.onRequest((stream) => streams.push(stream));
    const transport = make(server, { lastEventId: "41" });
    const first = open(transport);
    await vi.waitFor(() => expect(first.isOpen()).toBe(true));
    expect(resumedFrom(streams[0] as FakeServerStream)).toBe("41");
    streams[0]?.event({ id: "42", data: "x" });
    await vi.waitFor(() => expect(first.messages).toHaveLength(1));
    expect(transport.lastEventId).toBe("42");
    first.session.close();

    const second = open(transport);
    await vi.waitFor(() => expect(second.isOpen()).toBe(true));
    expect(resumedFrom(streams[1] as FakeServerStream)).toBe("42");
    // Where a fresh stream stands, said without a message for anyone (PROTOCOL.md section 9).
    streams[1]?.event({ event: STREAM_POSITION_EVENT, id: "50", data: "" });
    await vi.waitFor(() => expect(transport.lastEventId).toBe("50"));
    second.session.close();

    const third = open(transport);
    await vi.waitFor(() => expect(third.isOpen()).toBe(true));
    expect(resumedFrom(streams[2] as FakeServerStream)).toBe("50");
  });
});

describe("the browser's EventSource", () => {
  it("comes back after a refusal it cannot say the status of, as a deploy's 503", async () => {
    const server = createFakeServer();
    let requests = 0;
    server.onRequest((stream) => {
      if (++requests === 1) stream.fail(503);
    });
    const connection = new Connection({
      transport: eventSourceTransport({
        url: "http://stream.test/",
        EventSource: server.EventSource,
      }),
      lifecycle: createPageLifecycleControls(),
      retryDelay: () => 0,
    });
    onTestFinished(() => connection.close());
    connection.connect();
    await vi.waitFor(() => expect(connection.getSnapshot().status).toBe("open"));
    expect(requests).toBe(2);
  });

  it("keeps the place through a resumed session's events without ids, which it cannot be told", () => {
    const transport = eventSourceTransport({
      url: "http://stream.test/",
      EventSource: ManualEventSource,
      lastEventId: "42",
    });
    open(transport);
    const source = ManualEventSource.last as ManualEventSource;
    expect(new URL(source.url).searchParams.get("lastEventId")).toBe("42");
    source.fire("open");
    // The server resumed after 42, and says something that has no id first.
    source.fire("message", { data: "hello", lastEventId: "" });
    expect(transport.lastEventId).toBe("42");
    source.fire("message", { data: "43", lastEventId: "43" });
    expect(transport.lastEventId).toBe("43");
    // Once the session has an id, an empty one is the server resetting it (`id:` with nothing).
    source.fire("message", { data: "reset", lastEventId: "" });
    expect(transport.lastEventId).toBe("");
  });
});

describe("a closed event-stream session", () => {
  it("moves neither where the stream stands nor the retry advice, whatever its source still fires", () => {
    const transport = eventSourceTransport({
      url: "http://stream.test/",
      EventSource: ManualEventSource,
    });
    const first = open(transport);
    const source = ManualEventSource.last as ManualEventSource;
    source.fire("open");
    source.fire("message", { data: "a", lastEventId: "5" });
    expect(transport.lastEventId).toBe("5");
    first.session.close();
    source.reconnectionTime = 3000;
    source.fire("message", { data: "late", lastEventId: "6" });
    source.fire(STREAM_POSITION_EVENT, { lastEventId: "7" });
    source.fire("error");
    expect(first.messages.map(({ data }) => data)).toEqual(["a"]);
    expect(transport.lastEventId).toBe("5");
    expect(transport.serverRetry).toBeUndefined();
    // A live one's advice is kept.
    const second = open(transport);
    const next = ManualEventSource.last as ManualEventSource;
    expect(new URL(next.url).searchParams.get("lastEventId")).toBe("5");
    next.reconnectionTime = 4000;
    next.fire("error");
    expect(second.isClosed()).toBe(true);
    expect(transport.serverRetry).toBe(4000);
  });
});

describe("the server's retry advice", () => {
  it("is kept from a failed FetchEventSource stream, for every later retry", async () => {
    const server = createFakeServer();
    const streams: FakeServerStream[] = [];
    server.onRequest((stream) => streams.push(stream));
    const transport = transports.FetchEventSource(server);
    expect(transport.serverRetry).toBeUndefined();
    const first = open(transport);
    await vi.waitFor(() => expect(first.isOpen()).toBe(true));
    streams[0]?.retry(7000);
    streams[0]?.event({ data: "after the advice" });
    await vi.waitFor(() => expect(first.messages).toHaveLength(1));
    streams[0]?.drop();
    await vi.waitFor(() => expect(transport.serverRetry).toBe(7000));
    // A session that gives no advice keeps the last one.
    const second = open(transport);
    await vi.waitFor(() => expect(second.isOpen()).toBe(true));
    streams[1]?.drop();
    await vi.waitFor(() => expect(second.isClosed()).toBe(true));
    expect(transport.serverRetry).toBe(7000);
  });
});

describe("FetchEventSource's transport", () => {
  // As the browser's EventSource does: the attempt fails at once, rather than a session that
  // never opens.
  it.each(["http://[bad", "/relative"])("refuses the URL %s as the session opens", (url) => {
    const transport = eventSourceTransport({ FetchEventSource, url });
    expect(() => open(transport)).toThrow(TypeError);
  });

  it("reports a run of the same bad input once, and each new kind of it", async () => {
    const server = createFakeServer();
    const streams: FakeServerStream[] = [];
    server.onRequest((stream) => streams.push(stream));
    const transport = eventSourceTransport({
      FetchEventSource,
      url: "http://stream.test/",
      fetch: server.fetch,
      maxEventSize: 20,
    });
    const { messages, badInput, isOpen } = open(transport);
    await vi.waitFor(() => expect(isOpen()).toBe(true));
    const stream = streams[0] as FakeServerStream;
    for (let index = 0; index < 3; index++) stream.event({ data: "x".repeat(50) });
    stream.event({ data: "z", id: "a\0b" });
    stream.event({ data: "x".repeat(50) });
    stream.event({ data: "ok" });
    await vi.waitFor(() => expect(messages.map(({ data }) => data)).toEqual(["z", "ok"]));
    expect(badInput).toEqual(["event-too-large", "invalid-id", "event-too-large"]);
  });

  it("lets a url function's error out as the session opens", () => {
    const failure = new Error("no token yet");
    const transport = eventSourceTransport({
      FetchEventSource,
      url: () => {
        throw failure;
      },
    });
    expect(() => open(transport)).toThrow(failure);
  });
});
