// usePresence under StrictMode against @wirekit/testing's channel server, which tracks presence
// as PROTOCOL.md section 11 says: two browsers are two managers, so two sockets.

import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { ConnectionManager } from "@wirekit/core";
import { RealtimeProvider, usePresence, useRealtime } from "@wirekit/react";
import {
  createFakeChannelServer,
  createFakeServer,
  createPageLifecycleControls,
} from "@wirekit/testing";
import { type ReactNode, StrictMode } from "react";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";

afterEach(cleanup);

function setup(options: { presenceGrace?: number } = {}) {
  const server = createFakeServer();
  const channels = createFakeChannelServer(server, options);
  const endpoint = { url: "ws://rt.test/", WebSocket: server.WebSocket, retryDelay: () => 20 };
  const browser = () => {
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    return (children: ReactNode) => (
      <StrictMode>
        <RealtimeProvider manager={manager} endpoint={endpoint}>
          {children}
        </RealtimeProvider>
      </StrictMode>
    );
  };
  const frames = (type: string) =>
    server.received.filter((message) => String(message.data).includes(`"type":"${type}"`));
  return { server, channels, browser, frames };
}

/** Renders who is here as "nick*" for itself; `seen` records every list it rendered. */
function Here({ name, nick, seen }: { name: string; nick: string; seen?: string[] }) {
  const { members, self } = usePresence("room", { data: { nick } });
  const list = members
    .map((member) => `${(member.data as { nick: string }).nick}${member.id === self ? "*" : ""}`)
    .join(",");
  seen?.push(list);
  return <p data-testid={name}>{list || "-"}</p>;
}

describe("usePresence", () => {
  it("shows a late joiner everyone already here, and everyone the late joiner, without a leave under StrictMode", async () => {
    const { browser, frames } = setup();
    const first = browser();
    const second = browser();
    const { rerender } = render(
      <>
        {first(<Here name="ada" nick="ada" />)}
        {null}
      </>,
    );
    await waitFor(() => expect(screen.getByTestId("ada").textContent).toBe("ada*"));
    rerender(
      <>
        {first(<Here name="ada" nick="ada" />)}
        {second(<Here name="bob" nick="bob" />)}
      </>,
    );
    await waitFor(() => expect(screen.getByTestId("bob").textContent).toBe("ada,bob*"));
    await waitFor(() => expect(screen.getByTestId("ada").textContent).toBe("ada*,bob"));
    // StrictMode mounted each twice: the server heard one enter per browser, and no leave.
    expect(frames("presence-enter")).toHaveLength(2);
    expect(frames("presence-leave")).toHaveLength(0);
  });

  it("sends a change of data to everyone, and a leave when the component unmounts", async () => {
    const { browser, channels } = setup();
    const first = browser();
    const second = browser();
    const view = (nick: string, bob: boolean) => (
      <>
        {first(<Here name="ada" nick={nick} />)}
        {bob ? second(<Here name="bob" nick="bob" />) : second(<p>gone</p>)}
      </>
    );
    const { rerender } = render(view("ada", true));
    await waitFor(() => expect(screen.getByTestId("bob").textContent).toBe("ada,bob*"));
    rerender(view("ada lovelace", true));
    await waitFor(() => expect(screen.getByTestId("bob").textContent).toBe("ada lovelace,bob*"));
    rerender(view("ada lovelace", false));
    await waitFor(() => expect(screen.getByTestId("ada").textContent).toBe("ada lovelace*"));
    expect(channels.presence("room").map((member) => member.data)).toEqual([
      { nick: "ada lovelace" },
    ]);
  });

  it("is the same member after a reconnect within the grace: the others never see it leave", async () => {
    const { server, browser, channels } = setup({ presenceGrace: 60_000 });
    const first = browser();
    const second = browser();
    const seen: string[] = [];
    render(
      <>
        {first(<Here name="ada" nick="ada" />)}
        {second(<Here name="bob" nick="bob" seen={seen} />)}
      </>,
    );
    await waitFor(() => expect(screen.getByTestId("bob").textContent).toBe("ada,bob*"));
    const members = channels.presence("room").map((member) => member.id);
    const entersBefore = server.received.length;
    server.drop();
    // Both reconnect and enter again with their keys: the same two members, no one else.
    await waitFor(() => expect(server.received.length).toBeGreaterThan(entersBefore + 1));
    await waitFor(() => expect(server.openConnections).toBe(2));
    await waitFor(() => expect(screen.getByTestId("ada").textContent).toBe("ada*,bob"));
    expect(channels.presence("room").map((member) => member.id)).toEqual(members);
    const sinceBobSawAda = seen.slice(seen.indexOf("ada,bob*"));
    expect(sinceBobSawAda.every((list) => list === "ada,bob*")).toBe(true);
  });

  it("rides on the connection useRealtime uses: one socket for messages and presence", async () => {
    const { server, browser, channels } = setup();
    function Room() {
      const { data } = useRealtime<string>("room");
      const { members } = usePresence("room", { data: "ada" });
      return <p data-testid="room">{`${data ?? "-"} / ${members.length}`}</p>;
    }
    render(browser()(<Room />));
    await waitFor(() => expect(channels.subscribers("room")).toBe(1));
    channels.publish("room", "hello");
    await waitFor(() => expect(screen.getByTestId("room").textContent).toBe("hello / 1"));
    expect(server.totalConnections).toBe(1);
    expect(within(document.body).queryByText(/error/)).toBeNull();
  });
});
