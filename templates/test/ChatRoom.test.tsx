import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { CHANNEL_SUBPROTOCOL } from "@wirekit/core";
import type { RealtimeEndpoint } from "@wirekit/react";
import { createFakeChannelServer } from "@wirekit/testing";
import { expect, it } from "vitest";
import { ChatRoom } from "../ChatRoom.js";
import { quickRetry, setup } from "./support.js";

function chat(options: Parameters<typeof createFakeChannelServer>[1] = {}) {
  const { server, manager, freshManager, wrap } = setup();
  const channels = createFakeChannelServer(server, options);
  const endpoint: RealtimeEndpoint = {
    url: "ws://chat.test/realtime",
    protocols: [CHANNEL_SUBPROTOCOL],
    WebSocket: server.WebSocket,
    ...quickRetry,
  };
  // A second browser: its own manager, so its own WebSocket.
  const other = freshManager();
  return { server, manager, other, channels, endpoint, wrap };
}

const say = (text: string, as: HTMLElement) => {
  const room = within(as);
  fireEvent.change(room.getByRole("textbox", { name: "Message" }), { target: { value: text } });
  fireEvent.click(room.getByRole("button", { name: "Send" }));
};

it("delivers messages to everyone in the room, with presence and typing", async () => {
  const { server, other, channels, endpoint, wrap } = chat();
  render(
    <>
      {wrap(<ChatRoom room="lobby" user="ada" endpoint={endpoint} />)}
      {wrap(<ChatRoom room="lobby" user="bob" endpoint={endpoint} />, other)}
    </>,
  );
  const [ada, bob] = screen.getAllByRole("region", { name: "Chat: lobby" }) as [
    HTMLElement,
    HTMLElement,
  ];
  await waitFor(() => expect(within(ada).getByText("Online: ada, bob")).toBeTruthy());
  expect(server.openConnections).toBe(2);

  fireEvent.change(within(bob).getByRole("textbox", { name: "Message" }), {
    target: { value: "hel" },
  });
  await waitFor(() => expect(within(ada).getByText("bob is typing…")).toBeTruthy());
  expect(within(bob).queryByText(/is typing/)).toBeNull();

  say("hello <b>ada</b>", bob);
  const adaLog = within(ada).getByRole("log", { name: "Messages" });
  await waitFor(() => expect(adaLog.textContent).toBe("bob hello <b>ada</b>"));
  expect(adaLog.querySelector("b")).toBeNull();
  await waitFor(() => expect(within(ada).queryByText(/is typing/)).toBeNull());
  expect(channels.history("chat:lobby")).toHaveLength(1);
});

it("shows a message as sending until the server acks it, and offers a retry when refused", async () => {
  let refuse = true;
  const { endpoint, wrap } = chat({
    onPublish: ({ channel }) => !(channel.startsWith("chat:") && refuse),
  });
  render(wrap(<ChatRoom room="lobby" user="ada" endpoint={endpoint} />));
  const room = screen.getByRole("region", { name: "Chat: lobby" });
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Connected"));
  say("first", room);
  expect(within(room).getByText("sending…")).toBeTruthy();
  await waitFor(() => expect(within(room).getByText("not sent")).toBeTruthy());
  refuse = false;
  fireEvent.click(within(room).getByRole("button", { name: "Retry" }));
  const log = within(room).getByRole("log", { name: "Messages" });
  await waitFor(() => expect(log.textContent).toBe("ada first"));
});

it("resumes the room after a drop without losing or repeating a message", async () => {
  const { server, channels, endpoint, wrap } = chat();
  render(wrap(<ChatRoom room="lobby" user="ada" endpoint={endpoint} />));
  const room = screen.getByRole("region", { name: "Chat: lobby" });
  await waitFor(() => expect(channels.subscribers("chat:lobby")).toBe(1));
  const post = (text: string) =>
    channels.publish("chat:lobby", { key: text, user: "bot", text, at: 0 });
  post("one");
  await waitFor(() => expect(within(room).getByText("one")).toBeTruthy());
  server.drop();
  post("two");
  post("three");
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Connected"));
  const log = within(room).getByRole("log", { name: "Messages" });
  await waitFor(() => expect(log.textContent).toBe("bot onebot twobot three"));
});

it("shows a late joiner who is already here, and drops whoever closes the room", async () => {
  const { other, channels, endpoint, wrap } = chat();
  const view = (ada: boolean) => (
    <>
      {ada ? wrap(<ChatRoom room="lobby" user="ada" endpoint={endpoint} />) : wrap(null)}
      {wrap(<ChatRoom room="lobby" user="bob" endpoint={endpoint} />, other)}
    </>
  );
  const { rerender } = render(
    <>
      {wrap(<ChatRoom room="lobby" user="ada" endpoint={endpoint} />)}
      {null}
    </>,
  );
  await waitFor(() => expect(screen.getByText("Online: ada")).toBeTruthy());
  // Bob joins later and has heard nothing from ada: the server's presence shows her at once.
  rerender(view(true));
  const bob = () => screen.getAllByRole("region", { name: "Chat: lobby" }).at(-1) as HTMLElement;
  await waitFor(() => expect(within(bob()).getByText("Online: ada, bob")).toBeTruthy());
  rerender(view(false));
  await waitFor(() => expect(within(bob()).getByText("Online: bob")).toBeTruthy());
  expect(channels.presence("chat:lobby").map((member) => member.data)).toEqual([
    { user: "bob", typing: false },
  ]);
});
