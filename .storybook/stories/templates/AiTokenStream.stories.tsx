import type { Meta, StoryObj } from "@storybook/react-vite";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { AiTokenStream } from "../../../templates/AiTokenStream.js";
import { assistantBackend } from "../../playground/backends.js";
import { playgroundSettings, usePlayground, withPlayground } from "../../playground/playground.js";
import { playInTests } from "../../playground/playInTests.js";

function Assistant() {
  const { server } = usePlayground();
  return (
    <AiTokenStream
      url="http://playground.test/chat"
      options={{ fetch: server.fetch, ...playgroundSettings }}
    />
  );
}

const meta = {
  title: "Templates/AiTokenStream",
  component: Assistant,
  decorators: [withPlayground],
  parameters: { playground: { backend: assistantBackend, rate: 12, maxRate: 100 } },
} satisfies Meta<typeof Assistant>;
export default meta;

const FULL_ANSWER =
  /^Server-Sent Events are a plain HTTP response .* survives the Drop connection button\.$/;

export const ResumeAfterDrop: StoryObj<typeof meta> = {
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const answer = canvas.getByRole("log", { name: "Answer" });
    await userEvent.type(canvas.getByRole("textbox", { name: "Prompt" }), "What is SSE?");
    await userEvent.click(canvas.getByRole("button", { name: "Ask" }));
    await waitFor(() => expect(answer.textContent?.length).toBeGreaterThan(20));
    await step("drop mid-answer: it resumes where it stopped, nothing repeated", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Drop connection" }));
      await waitFor(() =>
        expect(canvas.getByText(/resuming where the answer stopped/)).toBeInTheDocument(),
      );
      await waitFor(() => expect(canvas.getByText("Done.")).toBeInTheDocument());
      expect(answer.textContent).toMatch(FULL_ANSWER);
    });
  }),
};

export const Stop: StoryObj<typeof meta> = {
  play: playInTests(async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const answer = canvas.getByRole("log", { name: "Answer" });
    await userEvent.type(canvas.getByRole("textbox", { name: "Prompt" }), "Tell me everything");
    await userEvent.click(canvas.getByRole("button", { name: "Ask" }));
    await waitFor(() => expect(answer.textContent?.length).toBeGreaterThan(10));
    await userEvent.click(canvas.getByRole("button", { name: "Stop" }));
    const stoppedAt = answer.textContent;
    expect(canvas.getByText("Stopped.")).toBeInTheDocument();
    // Another answer started now would stream; this one stays as it was.
    await userEvent.click(canvas.getByRole("button", { name: "Ask" }));
    await waitFor(() => expect(canvas.getByText("Answering…")).toBeInTheDocument());
    expect(stoppedAt).not.toMatch(FULL_ANSWER);
  }),
};
