import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { FakeServerStream } from "@wirekit/testing";
import { expect, it } from "vitest";
import { LogTail } from "../LogTail.js";
import { setup } from "./support.js";

function lines(stream: FakeServerStream, from: number, to: number) {
  for (let n = from; n <= to; n++) stream.event({ data: `line ${n}` });
}

it("keeps every line of a burst counted and the last ones shown; Pause holds the view", async () => {
  const { server, wrap } = setup();
  const streams: FakeServerStream[] = [];
  server.onRequest((stream) => {
    streams.push(stream);
  });
  render(
    wrap(
      <LogTail
        url="http://logs.test/api"
        lines={100}
        options={{ EventSource: server.EventSource }}
      />,
    ),
  );
  await waitFor(() => expect(streams).toHaveLength(1));
  const stream = streams[0] as FakeServerStream;
  lines(stream, 1, 2000);
  await waitFor(() =>
    expect(screen.getByText("2000 lines received, the last 100 kept")).toBeTruthy(),
  );
  const log = screen.getByRole("log", { name: "Log lines" });
  const items = within(log).getAllByRole("listitem");
  expect(items).toHaveLength(100);
  expect(items[0]?.textContent).toBe("line 1901");
  expect(items[0]?.getAttribute("value")).toBe("1901");
  expect(items.at(-1)?.textContent).toBe("line 2000");

  fireEvent.click(screen.getByRole("button", { name: "Pause" }));
  lines(stream, 2001, 2050);
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Live, paused (50 new)"));
  expect(within(log).getAllByRole("listitem").at(-1)?.textContent).toBe("line 2000");

  fireEvent.click(screen.getByRole("button", { name: "Follow" }));
  expect(within(log).getAllByRole("listitem").at(-1)?.textContent).toBe("line 2050");

  fireEvent.change(screen.getByRole("textbox", { name: "Filter" }), {
    target: { value: "line 204" },
  });
  expect(
    within(log)
      .getAllByRole("listitem")
      .map((item) => item.textContent),
  ).toEqual(Array.from({ length: 10 }, (_, index) => `line ${2040 + index}`));
});

it("renders markup in a line as text", async () => {
  const { server, wrap } = setup();
  server.onRequest((stream) => stream.event({ data: "<img src=x onerror=alert(1)>" }));
  render(
    wrap(<LogTail url="http://logs.test/api" options={{ EventSource: server.EventSource }} />),
  );
  const log = screen.getByRole("log", { name: "Log lines" });
  await waitFor(() => expect(log.textContent).toBe("<img src=x onerror=alert(1)>"));
  expect(log.querySelector("img")).toBeNull();
});
