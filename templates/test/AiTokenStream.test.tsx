import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { FakeServerStream } from "@wirekit/testing";
import { expect, it } from "vitest";
import { AiTokenStream } from "../AiTokenStream.js";
import { quickRetry, setup } from "./support.js";

const token = (id: number, text: string) => ({
  id: String(id),
  data: JSON.stringify({ type: "token", text }),
});

function assistant() {
  const { server, wrap } = setup();
  const streams: FakeServerStream[] = [];
  server.onRequest((stream) => {
    streams.push(stream);
  });
  render(
    wrap(
      <AiTokenStream url="http://ai.test/chat" options={{ fetch: server.fetch, ...quickRetry }} />,
    ),
  );
  const ask = (prompt: string) => {
    fireEvent.change(screen.getByRole("textbox", { name: "Prompt" }), {
      target: { value: prompt },
    });
    fireEvent.click(screen.getByRole("button", { name: "Ask" }));
  };
  const answer = () => screen.getByRole("log", { name: "Answer" });
  return { server, streams, ask, answer };
}

it("POSTs the prompt, streams the tokens as text, and closes when the answer is done", async () => {
  const { server, streams, ask, answer } = assistant();
  ask("Say hello");
  await waitFor(() => expect(streams).toHaveLength(1));
  const stream = streams[0] as FakeServerStream;
  expect(stream.method).toBe("POST");
  expect(JSON.parse(stream.body)).toMatchObject({ prompt: "Say hello" });
  expect(stream.headers["content-type"]).toBe("application/json");
  stream.event(token(1, "Hello, "));
  stream.event(token(2, "<i>world</i>"));
  await waitFor(() => expect(answer().textContent).toBe("Hello, <i>world</i>"));
  expect(answer().querySelector("i")).toBeNull();
  expect(screen.getByRole("status").textContent).toBe("Answering…");
  stream.event({ id: "3", data: JSON.stringify({ type: "done" }) });
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Done."));
  // The client hangs up on "done" itself: a response the server ended would be retried.
  await waitFor(() => expect(stream.closed).toBe(true));
  expect(server.totalConnections).toBe(1);
});

it("resumes after a dropped connection where the answer stopped", async () => {
  const { streams, ask, answer } = assistant();
  ask("Count");
  await waitFor(() => expect(streams).toHaveLength(1));
  streams[0]?.event(token(1, "one "));
  streams[0]?.event(token(2, "two "));
  await waitFor(() => expect(answer().textContent).toBe("one two "));
  streams[0]?.drop();
  await waitFor(() => expect(streams).toHaveLength(2));
  const resumed = streams[1] as FakeServerStream;
  expect(resumed.lastEventId).toBe("2");
  expect(resumed.body).toBe(streams[0]?.body);
  resumed.event(token(3, "three"));
  resumed.event({ id: "4", data: JSON.stringify({ type: "done" }) });
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Done."));
  expect(answer().textContent).toBe("one two three");
});

it("stops on Stop: the request is aborted and nothing more arrives", async () => {
  const { server, streams, ask, answer } = assistant();
  ask("Tell me a long story");
  await waitFor(() => expect(streams).toHaveLength(1));
  streams[0]?.event(token(1, "Once"));
  await waitFor(() => expect(answer().textContent).toBe("Once"));
  fireEvent.click(screen.getByRole("button", { name: "Stop" }));
  expect(screen.getByRole("status").textContent).toBe("Stopped.");
  await waitFor(() => expect(streams[0]?.closed).toBe(true));
  streams[0]?.event(token(2, " upon a time"));
  expect(server.totalConnections).toBe(1);
  expect(answer().textContent).toBe("Once");
  expect(screen.getByRole("button", { name: "Ask" })).toHaveProperty("disabled", false);
});
