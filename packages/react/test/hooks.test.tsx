// Hook logic in jsdom, under StrictMode, against @wirekit/testing's in-memory server.

import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import {
  ConnectionManager,
  type ConnectionStatus,
  eventStreamChannels,
  json,
  type StandardSchema,
} from "@wirekit/core";
import {
  RealtimeProvider,
  useConnectionStatus,
  useEventStream,
  useRealtime,
  useSocket,
} from "@wirekit/react";
import {
  createFakeChannelServer,
  createFakeServer,
  createPageLifecycleControls,
  type FakeServer,
} from "@wirekit/testing";
import { type ReactNode, StrictMode, useEffect, useRef } from "react";
import { afterEach, describe, expect, expectTypeOf, it, onTestFinished } from "vitest";

afterEach(cleanup);

function setup(linger = 1000) {
  // The fake server on real timers: every message arrives in a task of its own, as in a browser.
  const server = createFakeServer();
  const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls(), linger });
  onTestFinished(() => manager.closeAll());
  const wrap = (children: ReactNode) => (
    <StrictMode>
      <RealtimeProvider manager={manager}>{children}</RealtimeProvider>
    </StrictMode>
  );
  return { server, manager, wrap };
}

/** Streams `count` numbered events, each in its own task. */
function streamNumbers(server: ReturnType<typeof createFakeServer>, count: number) {
  server.onRequest((stream) => {
    for (let n = 1; n <= count; n++) stream.event({ data: String(n), id: String(n) });
  });
}

/** `children` under StrictMode, in a provider whose channels are `server`'s, at ws://rt.test/. */
function inChannels(server: FakeServer, manager: ConnectionManager, children: ReactNode) {
  return (
    <StrictMode>
      <RealtimeProvider
        manager={manager}
        endpoint={{ url: "ws://rt.test/", WebSocket: server.WebSocket }}
      >
        {children}
      </RealtimeProvider>
    </StrictMode>
  );
}

describe("useEventStream", () => {
  it("opens one connection under StrictMode and renders the latest message", async () => {
    const { server, wrap } = setup();
    streamNumbers(server, 3);
    function Latest() {
      const { status, data, lastEventId } = useEventStream("http://stream.test/numbers", {
        EventSource: server.EventSource,
      });
      return <p>{`${status} ${data ?? "-"} ${lastEventId}`}</p>;
    }
    render(wrap(<Latest />));
    await waitFor(() => expect(screen.getByText("open 3 3")).toBeTruthy());
    expect(server.totalConnections).toBe(1);
  });

  it("costs a handful of renders for a burst of 500 messages, and loses none in history mode", async () => {
    const { server, wrap } = setup();
    streamNumbers(server, 500);
    let renders = 0;
    let seen = 0;
    function Burst() {
      renders++;
      const { history, received } = useEventStream("http://stream.test/numbers", {
        EventSource: server.EventSource,
        delivery: { mode: "history", size: 1000 },
        onMessage: () => {
          seen++;
        },
      });
      return <p>{`received ${received}, last ${history.at(-1) ?? "-"}, kept ${history.length}`}</p>;
    }
    render(wrap(<Burst />));
    await waitFor(() => expect(screen.getByText("received 500, last 500, kept 500")).toBeTruthy());
    expect(seen).toBe(500);
    // StrictMode renders twice per commit; a frame-batched burst stays far below one per message.
    expect(renders).toBeLessThanOrEqual(20);
  });

  it("re-renders a component with a selector only when its slice changes", async () => {
    const { server, wrap } = setup();
    streamNumbers(server, 500);
    let renders = 0;
    let messages = 0;
    function Status() {
      renders++;
      const { selected } = useEventStream("http://stream.test/numbers", {
        EventSource: server.EventSource,
        onMessage: () => {
          messages++;
        },
        select: (snapshot) => snapshot.status,
      });
      expectTypeOf(selected).toEqualTypeOf<ConnectionStatus | undefined>();
      return <p>{`status ${selected}`}</p>;
    }
    render(wrap(<Status />));
    await waitFor(() => expect(messages).toBe(500));
    expect(screen.getByText("status open")).toBeTruthy();
    // idle → connecting → open, each rendered twice under StrictMode; the 500 messages render nothing.
    expect(renders).toBeLessThanOrEqual(6);
  });

  it("compares selected slices with the given equality", async () => {
    const { server, wrap } = setup();
    streamNumbers(server, 300);
    const seen: number[][] = [];
    function Hundreds() {
      const { selected } = useEventStream("http://stream.test/numbers", {
        EventSource: server.EventSource,
        // A new array every time, equal by content: renders only when the hundred changes.
        select: (snapshot) => [Math.floor(Number(snapshot.data ?? 0) / 100)],
        equals: (a, b) => a[0] === b[0],
      });
      seen.push(selected ?? []);
      return <p>{`hundred ${selected?.[0]}`}</p>;
    }
    render(wrap(<Hundreds />));
    await waitFor(() => expect(screen.getByText("hundred 3")).toBeTruthy());
    expect(new Set(seen.map(([hundred]) => hundred)).size).toBeLessThanOrEqual(4);
    expect(seen.length).toBeLessThanOrEqual(10);
  });

  it("applies a selector that changed with a prop at once, on a quiet stream too", async () => {
    const { server, wrap } = setup();
    server.onRequest((stream) => stream.event({ data: "7", id: "1" }));
    function Scaled({ factor }: { factor: number }) {
      const { selected } = useEventStream("http://stream.test/n", {
        EventSource: server.EventSource,
        select: (snapshot) => Number(snapshot.data ?? 0) * factor,
      });
      return <p data-testid="scaled">{`scaled ${selected}`}</p>;
    }
    const view = render(wrap(<Scaled factor={1} />));
    await waitFor(() => expect(screen.getByTestId("scaled").textContent).toBe("scaled 7"));
    // No message comes after: only the new prop can change what is selected.
    view.rerender(wrap(<Scaled factor={10} />));
    expect(screen.getByTestId("scaled").textContent).toBe("scaled 70");
  });

  it("folds every message into state with a reducer", async () => {
    const { server, wrap } = setup();
    streamNumbers(server, 200);
    function Sum() {
      const { state } = useEventStream("http://stream.test/numbers", {
        EventSource: server.EventSource,
        parse: (data) => Number(data),
        delivery: {
          mode: "reducer",
          reducer: (sum: number, n: number) => sum + n,
          initialState: 0,
        },
      });
      return <p>{`sum ${state}`}</p>;
    }
    render(wrap(<Sum />));
    await waitFor(() => expect(screen.getByText(`sum ${(200 * 201) / 2}`)).toBeTruthy());
  });

  it("turns a message that fails its schema into an error and does not deliver it", async () => {
    const { server, wrap } = setup();
    server.onRequest((stream) => {
      stream.event({ data: '{"price":1}' });
      stream.event({ data: '{"price":"free"}' });
    });
    const schema: StandardSchema<{ price: number }> = {
      "~standard": {
        validate: (value) =>
          typeof (value as { price?: unknown }).price === "number"
            ? { value: value as { price: number } }
            : { issues: [{ message: "price must be a number" }] },
      },
    };
    function Price() {
      const { data, error, status } = useEventStream("http://stream.test/prices", {
        EventSource: server.EventSource,
        parse: json(schema),
      });
      return (
        <p>{`${status} ${data?.price ?? "-"} ${error?.name ?? ""}:${error?.message ?? ""}`}</p>
      );
    }
    render(wrap(<Price />));
    await waitFor(() =>
      expect(
        screen.getByText("open 1 MessageError:A message failed validation: price must be a number"),
      ).toBeTruthy(),
    );
  });

  it("closes the connection on close(), and opens it again on reconnect()", async () => {
    const { server, wrap } = setup();
    streamNumbers(server, 1);
    function Stoppable() {
      const { status, close, reconnect } = useEventStream("http://stream.test/numbers", {
        EventSource: server.EventSource,
      });
      return (
        <div>
          <p>{`status ${status}`}</p>
          <button type="button" onClick={close}>
            Stop
          </button>
          <button type="button" onClick={reconnect}>
            Again
          </button>
        </div>
      );
    }
    render(wrap(<Stoppable />));
    await waitFor(() => expect(screen.getByText("status open")).toBeTruthy());
    act(() => screen.getByRole("button", { name: "Stop" }).click());
    await waitFor(() => expect(screen.getByText("status closed")).toBeTruthy());
    await waitFor(() => expect(server.openConnections).toBe(0));
    act(() => screen.getByRole("button", { name: "Again" }).click());
    await waitFor(() => expect(screen.getByText("status open")).toBeTruthy());
    expect(server.totalConnections).toBe(2);
  });

  it("renders idle and connects nothing while disabled or without a URL", () => {
    const { server, wrap } = setup();
    function Off() {
      const a = useEventStream(null, { EventSource: server.EventSource });
      const b = useEventStream("http://stream.test/x", {
        EventSource: server.EventSource,
        enabled: false,
      });
      return <p>{`${a.status} ${b.status}`}</p>;
    }
    render(wrap(<Off />));
    expect(screen.getByText("idle idle")).toBeTruthy();
    expect(server.totalConnections).toBe(0);
  });

  it("releases the connection on unmount; the last one closes it after the linger", async () => {
    const { server, wrap } = setup(30);
    streamNumbers(server, 1);
    function Reader() {
      const { data } = useEventStream("http://stream.test/numbers", {
        EventSource: server.EventSource,
      });
      return <p>{`data ${data ?? "-"}`}</p>;
    }
    const view = render(
      wrap(
        <>
          <Reader />
          <Reader />
        </>,
      ),
    );
    await waitFor(() => expect(screen.getAllByText("data 1")).toHaveLength(2));
    expect(server.totalConnections).toBe(1);
    view.unmount();
    await waitFor(() => expect(server.openConnections).toBe(0));
  });
});

describe("useSocket", () => {
  it("queues what is sent before the socket opens and sends it in order", async () => {
    const { server, wrap } = setup();
    const received: unknown[] = [];
    server.onConnection((socket) => {
      socket.onMessage((data) => {
        received.push(data);
        socket.send(`echo ${String(data)}`);
      });
    });
    function Chat() {
      const sent = useRef(false);
      const { status, data, send } = useSocket<string>("ws://chat.test/room", {
        WebSocket: server.WebSocket,
      });
      // Sent from an effect while still connecting (never during render): it waits in the queue.
      useEffect(() => {
        if (sent.current || status !== "connecting") return;
        sent.current = true;
        send("first");
        send({ text: "second" });
      }, [status, send]);
      return <p>{`${status} ${data ?? "-"}`}</p>;
    }
    render(wrap(<Chat />));
    await waitFor(() => expect(screen.getByText('open echo {"text":"second"}')).toBeTruthy());
    expect(received).toEqual(["first", '{"text":"second"}']);
    expect(server.totalConnections).toBe(1);
  });
});

describe("what the hooks hand out", () => {
  it("keeps send, reconnect and close the same across renders: an effect on them runs once", async () => {
    const { server, wrap } = setup();
    server.onConnection((socket) => socket.onMessage((data) => socket.send(`echo ${data}`)));
    let hellos = 0;
    const handed = new Set<unknown>();
    function Chat() {
      const { status, data, send, reconnect, close } = useSocket<string>("ws://chat.test/room", {
        WebSocket: server.WebSocket,
      });
      handed.add(send).add(reconnect).add(close);
      // As exhaustive-deps asks: with a new send each render, every echo would send again.
      useEffect(() => {
        hellos++;
        send("hello");
      }, [send]);
      return <p>{`${status} ${data ?? "-"}`}</p>;
    }
    render(wrap(<Chat />));
    await waitFor(() => expect(screen.getByText("open echo hello")).toBeTruthy());
    // StrictMode runs the effect twice on mount, and never again.
    expect(hellos).toBe(2);
    expect(handed.size).toBe(3);
  });

  it("keeps publish the same across renders", async () => {
    const server = createFakeServer();
    const channels = createFakeChannelServer(server);
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const handed = new Set<unknown>();
    function Room() {
      const { data, publish } = useRealtime<string>("room");
      handed.add(publish);
      return <p>{`data ${data ?? "-"}`}</p>;
    }
    render(inChannels(server, manager, <Room />));
    await waitFor(() => expect(channels.subscribers("room")).toBe(1));
    channels.publish("room", "1");
    channels.publish("room", "2");
    await waitFor(() => expect(screen.getByText("data 2")).toBeTruthy());
    expect(handed.size).toBe(1);
  });
});

describe("useRealtime and useConnectionStatus", () => {
  it("subscribes to a channel of the provider's endpoint and publishes with an ack", async () => {
    const server = createFakeServer();
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    // A minimal server side of PROTOCOL.md.
    server.onConnection((socket) => {
      let id = 0;
      socket.onMessage((raw) => {
        const frame = JSON.parse(String(raw));
        if (frame.type === "subscribe") {
          socket.send(
            JSON.stringify({ type: "subscribed", channel: frame.channel, recovered: true }),
          );
        }
        if (frame.type === "publish") {
          id++;
          socket.send(
            JSON.stringify({
              type: "message",
              channel: frame.channel,
              id: String(id),
              data: frame.data,
            }),
          );
          socket.send(JSON.stringify({ type: "ack", ack: frame.ack, id: String(id) }));
        }
      });
    });
    const acks: unknown[] = [];
    function Room() {
      const { status, data, subscription, publish } = useRealtime<{ text: string }>("room:1");
      const banner = useConnectionStatus();
      return (
        <div>
          <p>{`${status} ${banner.status} ${subscription?.recovered ?? "-"} ${data?.text ?? "-"}`}</p>
          <button
            type="button"
            onClick={() => void publish({ text: "hi" }).then((ack) => acks.push(ack))}
          >
            Send
          </button>
        </div>
      );
    }
    render(inChannels(server, manager, <Room />));
    await waitFor(() => expect(screen.getByText("open open true -")).toBeTruthy());
    await act(async () => {
      screen.getByRole("button", { name: "Send" }).click();
    });
    await waitFor(() => expect(screen.getByText("open open true hi")).toBeTruthy());
    await waitFor(() => expect(acks).toEqual([{ id: "1" }]));
    expect(server.totalConnections).toBe(1);
  });

  it("resumes a channel from a stored id, and shows where a quiet one stands", async () => {
    const server = createFakeServer();
    const channels = createFakeChannelServer(server);
    for (const text of ["one", "two", "three"]) channels.publish("room", text);
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    function Room({ name, from }: { name: string; from?: string }) {
      const { history, lastEventId, subscription } = useRealtime<string>(name, {
        delivery: { mode: "history", size: 10 },
        ...(from === undefined ? {} : { resumeFrom: from }),
      });
      return (
        <p>{`${name}: ${history.join(",") || "-"} @${lastEventId} ${subscription?.recovered}`}</p>
      );
    }
    render(
      inChannels(
        server,
        manager,
        <>
          <Room name="room" from="1" />
          <Room name="quiet" />
        </>,
      ),
    );
    await waitFor(() => expect(screen.getByText("room: two,three @3 true")).toBeTruthy());
    await waitFor(() => expect(screen.getByText("quiet: - @0 true")).toBeTruthy());
  });

  it("rides channels on one shared event stream when the provider's transport is sse", async () => {
    const server = createFakeServer();
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const urls: string[] = [];
    server.onRequest((stream) => {
      urls.push(stream.url);
      stream.event({ event: "a", data: "for a", id: "1" });
      stream.event({ event: "b", data: "for b", id: "2" });
    });
    function Channel({ name }: { name: string }) {
      const { data, status } = useRealtime<string>(name);
      return <p>{`${name}: ${status} ${data ?? "-"}`}</p>;
    }
    render(
      <StrictMode>
        <RealtimeProvider
          manager={manager}
          endpoint={eventStreamChannels({
            url: "http://rt.test/stream",
            EventSource: server.EventSource,
          })}
        >
          <Channel name="a" />
          <Channel name="b" />
        </RealtimeProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(screen.getByText("a: open for a")).toBeTruthy());
    expect(screen.getByText("b: open for b")).toBeTruthy();
    // Both channels joined the set within the debounce: one request carries them.
    expect(urls).toEqual(["http://rt.test/stream?channels=a%2Cb"]);
  });

  it("tells a missing endpoint clearly", () => {
    function Lost() {
      useRealtime("room");
      return null;
    }
    const spy = console.error;
    console.error = () => {};
    try {
      expect(() => render(<Lost />)).toThrow(/RealtimeProvider endpoint/);
    } finally {
      console.error = spy;
    }
  });
});
