// The zustand bridges in jsdom, against @wirekit/testing's in-memory server: no React needed for
// the stores themselves, and `useStore` under StrictMode for the component that reads them.

import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { ConnectionManager, webSocketEndpoint } from "@wirekit/core";
import {
  type ConnectionState,
  connectionState,
  createConnectionStore,
  pipeToStore,
} from "@wirekit/react/zustand";
import { createFakeServer, createPageLifecycleControls } from "@wirekit/testing";
import { StrictMode } from "react";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { useStore } from "zustand";
import { devtools } from "zustand/middleware";
import { createStore } from "zustand/vanilla";

afterEach(cleanup);

function setup() {
  const server = createFakeServer();
  const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
  onTestFinished(() => manager.closeAll());
  const lease = manager.acquire(
    webSocketEndpoint({
      url: "ws://live.test/",
      WebSocket: server.WebSocket,
      retryDelay: () => 10,
    }),
  );
  onTestFinished(() => lease.release());
  return { server, connection: lease.connection };
}

describe("createConnectionStore", () => {
  it("follows the connection: open, reconnecting after a drop, open again", async () => {
    const { server, connection } = setup();
    const store = createConnectionStore(connection);
    onTestFinished(() => store.getState().stop());
    const statuses = [store.getState().status];
    store.subscribe((state, previous) => {
      if (state.status !== previous.status) statuses.push(state.status);
    });
    function Banner() {
      const status = useStore(store, (state) => state.status);
      return <p>{`status ${status}`}</p>;
    }
    render(
      <StrictMode>
        <Banner />
      </StrictMode>,
    );
    await waitFor(() => expect(screen.getByText("status open")).toBeTruthy());
    server.drop();
    await waitFor(() => expect(statuses).toEqual(["connecting", "open", "reconnecting", "open"]));
    expect(store.getState()).toMatchObject({ error: null, queued: 0, dropped: 0 });
    await waitFor(() => expect(screen.getByText("status open")).toBeTruthy());
  });

  it("stops following the connection on stop()", async () => {
    const { server, connection } = setup();
    const store = createConnectionStore(connection);
    await waitFor(() => expect(store.getState().status).toBe("open"));
    store.getState().stop();
    const statuses: string[] = [];
    connection.subscribe(() => statuses.push(connection.getSnapshot().status));
    server.drop();
    await waitFor(() => expect(statuses).toContain("reconnecting"));
    expect(store.getState().status).toBe("open");
  });

  it("works inside zustand's devtools middleware", async () => {
    const { connection } = setup();
    const sent: Array<{ action: unknown; status: unknown }> = [];
    const initial: unknown[] = [];
    const extension = {
      connect: () => ({
        init: (state: ConnectionState) => initial.push(state.status),
        send: (action: unknown, state: ConnectionState) =>
          sent.push({ action, status: state.status }),
        subscribe: () => () => {},
        unsubscribe: () => {},
      }),
    };
    Object.assign(window, { __REDUX_DEVTOOLS_EXTENSION__: extension });
    onTestFinished(() => {
      delete (window as { __REDUX_DEVTOOLS_EXTENSION__?: unknown }).__REDUX_DEVTOOLS_EXTENSION__;
    });
    const store = createStore<ConnectionState>()(
      devtools(connectionState(connection), { name: "connection", enabled: true }),
    );
    onTestFinished(() => store.getState().stop());
    await waitFor(() => expect(store.getState().status).toBe("open"));
    expect(initial).toEqual(["connecting"]);
    expect(sent.map(({ status }) => status)).toContain("open");
  });
});

describe("pipeToStore", () => {
  it("sets every message into the user's store, in order, after a parse", async () => {
    const { server, connection } = setup();
    server.onConnection((socket) => {
      for (let n = 1; n <= 100; n++) socket.send(JSON.stringify({ n }));
    });
    const store = createStore<{ seen: number[]; title: string }>()(() => ({
      seen: [],
      title: "numbers",
    }));
    const stop = pipeToStore(
      connection,
      store,
      (state, message: { n: number }) => ({ seen: [...state.seen, message.n] }),
      { parse: "json" },
    );
    onTestFinished(stop);
    await waitFor(() => expect(store.getState().seen).toHaveLength(100));
    expect(store.getState()).toEqual({
      seen: Array.from({ length: 100 }, (_, index) => index + 1),
      title: "numbers",
    });
  });

  it("skips a message its parse threw on, and reports it to onError", async () => {
    const { server, connection } = setup();
    server.onConnection((socket) => {
      socket.send("1");
      socket.send("not json");
      socket.send("3");
    });
    const store = createStore<{ seen: number[] }>()(() => ({ seen: [] }));
    const errors: unknown[] = [];
    const stop = pipeToStore(
      connection,
      store,
      (state, n: number) => ({ seen: [...state.seen, n] }),
      { parse: "json", onError: (_error, data) => errors.push(data) },
    );
    onTestFinished(stop);
    await waitFor(() => expect(store.getState().seen).toEqual([1, 3]));
    expect(errors).toEqual(["not json"]);
  });
});
