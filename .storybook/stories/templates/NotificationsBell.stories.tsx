import type { Meta, StoryObj } from "@storybook/react-vite";
import { FetchEventSource } from "@wirekit/core/event-source";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { NotificationsBell } from "../../../templates/NotificationsBell.js";
import { notificationsBackend } from "../../playground/backends.js";
import { playgroundSettings, usePlayground, withPlayground } from "../../playground/playground.js";
import { playInTests } from "../../playground/playInTests.js";

function Bell({ storageKey }: { storageKey: string }) {
  const { server } = usePlayground();
  return (
    <NotificationsBell
      url="http://playground.test/notifications"
      storageKey={storageKey}
      options={{ FetchEventSource, fetch: server.fetch, ...playgroundSettings }}
    />
  );
}

const meta = {
  title: "Templates/NotificationsBell",
  component: Bell,
  decorators: [withPlayground],
  parameters: { playground: { backend: notificationsBackend, rate: 1, maxRate: 10 } },
} satisfies Meta<typeof Bell>;
export default meta;

export const Bell_: StoryObj<typeof meta> = {
  name: "Bell",
  args: { storageKey: "playground:notifications" },
  beforeEach: () => {
    localStorage.removeItem("playground:notifications");
  },
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const bell = () => canvas.getByRole("button", { name: /^Notifications/ });
    await waitFor(() => expect(bell()).toHaveAccessibleName(/Notifications, [2-9] unread/));
    await step("opening the bell marks everything read", async () => {
      await userEvent.click(bell());
      expect(bell()).toHaveAccessibleName("Notifications");
      expect(
        within(canvas.getByRole("list", { name: "Notifications" })).getAllByRole("listitem").length,
      ).toBeGreaterThanOrEqual(2);
    });
    await step(
      "the list and the stream position survive in storage for the next load",
      async () => {
        const saved = JSON.parse(localStorage.getItem("playground:notifications") ?? "{}");
        expect(Number(saved.lastEventId)).toBeGreaterThanOrEqual(2);
        expect(saved.readThrough).not.toBe("");
      },
    );
  }),
};
