import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, fireEvent, userEvent, waitFor, within } from "storybook/test";
import { LogTail } from "../../../templates/LogTail.js";
import { logsBackend } from "../../playground/backends.js";
import { playgroundSettings, usePlayground, withPlayground } from "../../playground/playground.js";
import { playInTests } from "../../playground/playInTests.js";

function Tail() {
  const { server } = usePlayground();
  return (
    <LogTail
      url="http://playground.test/logs"
      lines={300}
      options={{ EventSource: server.EventSource, ...playgroundSettings }}
    />
  );
}

const meta = {
  title: "Templates/LogTail",
  component: Tail,
  decorators: [withPlayground],
  parameters: { playground: { backend: logsBackend, rate: 50, maxRate: 2000 } },
} satisfies Meta<typeof Tail>;
export default meta;

export const HighRate: StoryObj<typeof meta> = {
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const received = () =>
      Number(canvas.getByText(/lines received/).textContent?.match(/^\d+/)?.[0]);
    const lines = () =>
      within(canvas.getByRole("log", { name: "Log lines" })).queryAllByRole("listitem");
    await step("at 2000 lines a second the history stays bounded", async () => {
      fireEvent.change(canvas.getByRole("slider", { name: "Messages per second" }), {
        target: { value: "2000" },
      });
      await waitFor(() => expect(received()).toBeGreaterThan(1000));
      expect(lines()).toHaveLength(300);
    });
    await step("Pause holds the view while lines keep coming", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Pause" }));
      const held = lines().at(-1)?.textContent;
      await waitFor(() =>
        expect(canvas.getByRole("status")).toHaveTextContent(/paused \([1-9]\d* new\)/),
      );
      expect(lines().at(-1)?.textContent).toBe(held);
      await userEvent.click(canvas.getByRole("button", { name: "Follow" }));
      await waitFor(() => expect(lines().at(-1)?.textContent).not.toBe(held));
    });
  }),
};
