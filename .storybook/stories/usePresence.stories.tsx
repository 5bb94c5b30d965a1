import type { Meta, StoryObj } from "@storybook/react-vite";
import { webSocketChannels } from "@wirekit/core";
import { useConnectionStatus, usePresence } from "@wirekit/react";
import { useState } from "react";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { ConnectionStatusBadge } from "../playground/pieces.js";
import {
  type Playground,
  usePlaygroundChannels,
  withPlayground,
} from "../playground/playground.js";
import { playInTests } from "../playground/playInTests.js";

const CHANNEL = "room:lobby";

/** Grace is in the room before anyone opens the story: the server tracks her, not a heartbeat. */
function roomBackend({ channels }: Playground) {
  channels.addMember(CHANNEL, { id: "grace", data: { nick: "grace" } });
  return () => channels.removeMember(CHANNEL, "grace");
}

function nickOf(data: unknown): string {
  const nick = (data as { nick?: unknown } | null)?.nick;
  return typeof nick === "string" ? nick : "someone";
}

/** Who is here: the server's list, with this tab's own member marked. */
function WhoIsHere() {
  const endpoint = usePlaygroundChannels();

  const [nick, setNick] = useState("ada");
  const { members, self } = usePresence(CHANNEL, { endpoint, data: { nick } });
  // The same connection presence rides on, shared by its endpoint key.
  const { status } = useConnectionStatus(webSocketChannels(endpoint).endpoint);
  return (
    <div style={{ display: "grid", gap: 8 }}>
      <ConnectionStatusBadge status={status} />
      <label>
        Your nickname <input value={nick} onChange={(event) => setNick(event.target.value)} />
      </label>
      <ul aria-label="Who is here" style={{ margin: 0 }}>
        {members.map((member) => (
          <li key={member.id}>
            {nickOf(member.data)}
            {member.id === self ? " (you)" : ""}
          </li>
        ))}
      </ul>
    </div>
  );
}

const meta = {
  title: "Hooks/usePresence",
  component: WhoIsHere,
  decorators: [withPlayground],
  parameters: { playground: { backend: roomBackend, rate: 1 } },
} satisfies Meta<typeof WhoIsHere>;
export default meta;
type Story = StoryObj<typeof meta>;

export const SeeWhoIsHere: Story = {
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const list = canvas.getByRole("list", { name: "Who is here" });
    const badge = canvas.getByRole("status", { name: "Connection" });
    // A late joiner sees who was here first, at once.
    await waitFor(() => expect(list).toHaveTextContent("grace"));
    await waitFor(() => expect(list).toHaveTextContent("ada (you)"));
    await step("rename yourself: everyone present hears it", async () => {
      const input = canvas.getByRole("textbox", { name: "Your nickname" });
      await userEvent.clear(input);
      await userEvent.type(input, "lin");
      await waitFor(() => expect(list).toHaveTextContent("lin (you)"));
    });
    await step("drop the connection: back within the grace, the same member", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Drop connection" }));
      await waitFor(() => expect(badge).toHaveTextContent("Live"));
      await waitFor(() => expect(list).toHaveTextContent("lin (you)"));
      expect(list.querySelectorAll("li")).toHaveLength(2);
    });
  }),
};
