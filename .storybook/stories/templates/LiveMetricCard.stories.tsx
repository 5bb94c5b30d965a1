import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, fireEvent, userEvent, waitFor, within } from "storybook/test";
import { LiveMetricCard } from "../../../templates/LiveMetricCard.js";
import { metricsBackend } from "../../playground/backends.js";
import { playgroundSettings, usePlayground, withPlayground } from "../../playground/playground.js";
import { playInTests } from "../../playground/playInTests.js";

function Dashboard() {
  const { server } = usePlayground();
  const options = { EventSource: server.EventSource, ...playgroundSettings };
  return (
    <div style={{ display: "flex", gap: 16 }}>
      <LiveMetricCard
        url="http://playground.test/metrics"
        event="cpu"
        title="CPU"
        unit="%"
        options={options}
      />
      <LiveMetricCard
        url="http://playground.test/metrics"
        event="memory"
        title="Memory"
        unit="%"
        options={options}
      />
    </div>
  );
}

const meta = {
  title: "Templates/LiveMetricCard",
  component: Dashboard,
  decorators: [withPlayground],
  parameters: { playground: { backend: metricsBackend, rate: 4, maxRate: 50 } },
} satisfies Meta<typeof Dashboard>;
export default meta;

export const Dashboard_: StoryObj<typeof meta> = {
  name: "Dashboard",
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const cpu = within(canvas.getByRole("region", { name: "CPU" }));
    const samples = () =>
      Number(cpu.getByRole("img").getAttribute("aria-label")?.match(/\d+/)?.[0]);
    await waitFor(() => expect(cpu.getByRole("status")).toHaveTextContent("Live"));
    await step("a higher message rate fills the chart faster", async () => {
      fireEvent.change(canvas.getByRole("slider", { name: "Messages per second" }), {
        target: { value: "50" },
      });
      await waitFor(() => expect(samples()).toBe(60));
    });
    await step("a drop shows on every card, and they come back", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Drop connection" }));
      await waitFor(() => expect(cpu.getByRole("status")).toHaveTextContent("Reconnecting…"));
      await waitFor(() =>
        expect(
          within(canvas.getByRole("region", { name: "Memory" })).getByRole("status"),
        ).toHaveTextContent("Live"),
      );
      await waitFor(() => expect(cpu.getByRole("status")).toHaveTextContent("Live"));
    });
  }),
};
