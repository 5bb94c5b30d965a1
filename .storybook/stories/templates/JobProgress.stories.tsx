import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, waitFor, within } from "storybook/test";
import { JobProgress } from "../../../templates/JobProgress.js";
import { jobBackend } from "../../playground/backends.js";
import { playgroundSettings, usePlayground, withPlayground } from "../../playground/playground.js";
import { playInTests } from "../../playground/playInTests.js";

function Export() {
  const { server } = usePlayground();
  return (
    <JobProgress
      url="http://playground.test/jobs/export"
      title="Export"
      options={{ EventSource: server.EventSource, ...playgroundSettings }}
    />
  );
}

const meta = {
  title: "Templates/JobProgress",
  component: Export,
  decorators: [withPlayground],
  parameters: { playground: { backend: jobBackend, rate: 20, maxRate: 50 } },
} satisfies Meta<typeof Export>;
export default meta;

export const Completes: StoryObj<typeof meta> = {
  play: playInTests(async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const bar = canvas.getByRole("progressbar", { name: "Export" });
    await waitFor(() => expect(Number(bar.getAttribute("aria-valuenow"))).toBeGreaterThan(0));
    await waitFor(() => expect(canvas.getByRole("status")).toHaveTextContent("Done."));
    expect(bar).toHaveAttribute("aria-valuenow", "100");
    expect(canvas.getByRole("link", { name: "Download the result" })).toBeInTheDocument();
  }),
};
