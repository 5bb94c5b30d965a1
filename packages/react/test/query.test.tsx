// useQueryStream in jsdom, under StrictMode, against @wirekit/testing's in-memory server.

import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { ConnectionManager } from "@wirekit/core";
import { RealtimeProvider } from "@wirekit/react";
import { useQueryStream } from "@wirekit/react/query";
import {
  createFakeChannelServer,
  createFakeServer,
  createPageLifecycleControls,
  type FakeServer,
} from "@wirekit/testing";
import { type ReactNode, StrictMode, Suspense, startTransition, use, useState } from "react";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";

afterEach(cleanup);

const ENDPOINT = "ws://rt.test/";

function setup() {
  const server = createFakeServer();
  const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
  onTestFinished(() => manager.closeAll());
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  onTestFinished(() => queryClient.clear());
  // Invalidations as the cache records them, whoever asked.
  const invalidations: string[] = [];
  queryClient.getQueryCache().subscribe((event) => {
    if (event.type === "updated" && event.action.type === "invalidate") {
      invalidations.push(event.query.queryHash);
    }
  });
  const wrap = (children: ReactNode) => (
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RealtimeProvider
          manager={manager}
          endpoint={{ url: ENDPOINT, WebSocket: server.WebSocket, retryDelay: () => 10 }}
        >
          {children}
        </RealtimeProvider>
      </QueryClientProvider>
    </StrictMode>
  );
  return { server, queryClient, invalidations, wrap };
}

/**
 * A minimal server side of PROTOCOL.md: answers a subscribe that carries `resume` with
 * `recovered: recoverable` (a first subscribe is always recovered), and publishes `count`
 * numbered messages on each new subscription, numbering on from where it left off.
 */
function channelServer(server: FakeServer, options: { recoverable: boolean; count: number }) {
  const subscribes: Array<{ channel: string; resume?: string }> = [];
  let id = 0;
  server.onConnection((socket) => {
    socket.onMessage((raw) => {
      const frame = JSON.parse(String(raw));
      if (frame.type !== "subscribe") return;
      subscribes.push(frame);
      const recovered = frame.resume === undefined ? true : options.recoverable;
      socket.send(JSON.stringify({ type: "subscribed", channel: frame.channel, recovered }));
      for (let n = 0; n < options.count; n++) {
        id++;
        socket.send(
          JSON.stringify({ type: "message", channel: frame.channel, id: String(id), data: id }),
        );
      }
    });
  });
  return { subscribes };
}

/** A room whose query starts from the fetched list and folds each message in. */
function Room({ fetches }: { fetches: number[] }) {
  const { data } = useQuery({
    queryKey: ["room"],
    queryFn: () => {
      fetches.push(fetches.length + 1);
      return [] as number[];
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  useQueryStream<number, number[]>({
    queryKey: ["room"],
    source: { channel: "room:1" },
    reduce: (list, n) => [...(list ?? []), n],
  });
  return <p>{`messages ${data?.length ?? "-"}, last ${data?.at(-1) ?? "-"}`}</p>;
}

describe("useQueryStream", () => {
  it("folds every message of a channel into the query cache without rendering per message", async () => {
    const { server, queryClient, invalidations, wrap } = setup();
    channelServer(server, { recoverable: true, count: 200 });
    let renders = 0;
    function Sum() {
      renders++;
      useQueryStream<number, number>({
        queryKey: ["sum"],
        source: { channel: "numbers" },
        reduce: (sum, n) => (sum ?? 0) + n,
      });
      return null;
    }
    render(wrap(<Sum />));
    await waitFor(() => expect(queryClient.getQueryData(["sum"])).toBe((200 * 201) / 2));
    // StrictMode's double render, and nothing per message.
    expect(renders).toBe(2);
    expect(invalidations).toEqual([]);
    expect(server.totalConnections).toBe(1);
  });

  it("folds a room's messages into its own query while a switch to another room is pending", async () => {
    const { server, queryClient, wrap } = setup();
    const channels = createFakeChannelServer(server);
    // Room 2's page is still loading: a transition to it keeps room 1 on screen meanwhile.
    const loading = new Promise<never>(() => {});
    function Page({ id }: { id: number }) {
      if (id === 2) use(loading);
      return <p data-testid="page">{`room ${id}`}</p>;
    }
    function Room({ id }: { id: number }) {
      useQueryStream<string, string[]>({
        queryKey: ["room", id],
        source: { channel: `room:${id}` },
        reduce: (list, message) => [...(list ?? []), message],
      });
      return (
        <Suspense fallback={<p data-testid="page">loading</p>}>
          <Page id={id} />
        </Suspense>
      );
    }
    let go: (id: number) => void = () => {};
    function App() {
      const [id, setId] = useState(1);
      go = (next) => startTransition(() => setId(next));
      return <Room id={id} />;
    }
    render(wrap(<App />));
    await waitFor(() => expect(channels.subscribers("room:1")).toBe(1));
    await act(async () => go(2));
    // Room 1 is still what the user sees, and what the hook is subscribed to.
    expect(screen.getByTestId("page").textContent).toBe("room 1");
    channels.publish("room:1", "for room 1");
    await waitFor(() =>
      expect(
        queryClient.getQueryData(["room", 1]) ?? queryClient.getQueryData(["room", 2]),
      ).toBeDefined(),
    );
    expect(queryClient.getQueryData(["room", 1])).toEqual(["for room 1"]);
    expect(queryClient.getQueryData(["room", 2])).toBeUndefined();
  });

  it("invalidates the query when a resubscription reports a gap", async () => {
    const { server, invalidations, wrap } = setup();
    const { subscribes } = channelServer(server, { recoverable: false, count: 3 });
    const fetches: number[] = [];
    render(wrap(<Room fetches={fetches} />));
    await waitFor(() => expect(screen.getByText("messages 3, last 3")).toBeTruthy());
    expect(fetches).toEqual([1]);
    server.drop();
    // The refetch replaces the list, then the messages after the gap are folded in.
    await waitFor(() => expect(fetches).toEqual([1, 2]));
    expect(subscribes.at(-1)).toEqual({ type: "subscribe", channel: "room:1", resume: "3" });
    expect(invalidations).toEqual(['["room"]']);
  });

  it("does not invalidate when the resubscription recovered every message", async () => {
    const { server, invalidations, wrap } = setup();
    const { subscribes } = channelServer(server, { recoverable: true, count: 3 });
    const fetches: number[] = [];
    render(wrap(<Room fetches={fetches} />));
    await waitFor(() => expect(screen.getByText("messages 3, last 3")).toBeTruthy());
    server.drop();
    // The messages after `subscribed` arrive once it has been handled.
    await waitFor(() => expect(screen.getByText("messages 6, last 6")).toBeTruthy());
    expect(subscribes).toHaveLength(2);
    expect(invalidations).toEqual([]);
    expect(fetches).toEqual([1]);
  });

  it("invalidates when a plain WebSocket stream opens again after a drop", async () => {
    const { server, invalidations, queryClient, wrap } = setup();
    let connections = 0;
    server.onConnection((socket) => {
      connections++;
      socket.send(`hello ${connections}`);
    });
    function Feed() {
      useQueryStream<string, string[]>({
        queryKey: ["feed"],
        source: { socket: "ws://feed.test/", WebSocket: server.WebSocket, retryDelay: () => 10 },
        reduce: (list, message) => [...(list ?? []), message],
      });
      return null;
    }
    render(wrap(<Feed />));
    await waitFor(() => expect(queryClient.getQueryData(["feed"])).toEqual(["hello 1"]));
    expect(invalidations).toEqual([]);
    server.drop();
    await waitFor(() => expect(queryClient.getQueryData(["feed"])).toEqual(["hello 1", "hello 2"]));
    expect(invalidations).toEqual(['["feed"]']);
  });

  it.each([
    { ids: true, invalidated: [] },
    { ids: false, invalidated: ['["events"]'] },
  ])(
    "after an event stream drop with ids: $ids, invalidates $invalidated",
    async ({ ids, invalidated }) => {
      const { server, invalidations, queryClient, wrap } = setup();
      let requests = 0;
      server.onRequest((stream) => {
        requests++;
        stream.event({ data: `hello ${requests}`, ...(ids ? { id: String(requests) } : {}) });
      });
      function Events() {
        useQueryStream<string, string[]>({
          queryKey: ["events"],
          source: {
            eventStream: "http://events.test/",
            EventSource: server.EventSource,
            retryDelay: () => 10,
          },
          reduce: (list, message) => [...(list ?? []), message],
        });
        return null;
      }
      render(wrap(<Events />));
      await waitFor(() => expect(queryClient.getQueryData(["events"])).toEqual(["hello 1"]));
      server.drop();
      await waitFor(() =>
        expect(queryClient.getQueryData(["events"])).toEqual(["hello 1", "hello 2"]),
      );
      expect(invalidations).toEqual(invalidated);
    },
  );
});
