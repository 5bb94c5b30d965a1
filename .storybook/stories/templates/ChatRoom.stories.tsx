import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, fireEvent, userEvent, waitFor, within } from "storybook/test";
import { ChatRoom } from "../../../templates/ChatRoom.js";
import { chatBackend } from "../../playground/backends.js";
import { usePlaygroundChannels, withPlayground } from "../../playground/playground.js";
import { playInTests } from "../../playground/playInTests.js";

function Room() {
  const endpoint = usePlaygroundChannels();

  return <ChatRoom room="lobby" user="you" endpoint={endpoint} />;
}

const meta = {
  title: "Templates/ChatRoom",
  component: Room,
  decorators: [withPlayground],
  parameters: { playground: { backend: chatBackend, rate: 1, maxRate: 10 } },
} satisfies Meta<typeof Room>;
export default meta;

export const Lobby: StoryObj<typeof meta> = {
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const room = within(canvas.getByRole("region", { name: "Chat: lobby" }));
    await waitFor(() => expect(room.getByText("Online: grace, you")).toBeInTheDocument());
    await step("with latency, a message shows as sending until the server acks it", async () => {
      fireEvent.change(canvas.getByRole("slider", { name: "Latency (ms)" }), {
        target: { value: "600" },
      });
      await userEvent.type(room.getByRole("textbox", { name: "Message" }), "hello{enter}");
      expect(room.getByText("sending…")).toBeInTheDocument();
      const log = room.getByRole("log", { name: "Messages" });
      await waitFor(() => expect(log).toHaveTextContent("you hello"));
      await waitFor(() => expect(room.queryByText("sending…")).toBeNull());
    });
  }),
};
