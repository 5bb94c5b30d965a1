import { render, screen, waitFor } from "@testing-library/react";
import type { FakeServerStream } from "@wirekit/testing";
import { expect, it } from "vitest";
import { JobProgress } from "../JobProgress.js";
import { setup } from "./support.js";

const job = (event: object) => JSON.stringify(event);

it("shows progress, then completes and closes the stream for good", async () => {
  const { server, wrap } = setup();
  const streams: FakeServerStream[] = [];
  server.onRequest((stream) => {
    streams.push(stream);
  });
  render(
    wrap(
      <JobProgress
        url="http://jobs.test/42/events"
        title="Export"
        options={{ EventSource: server.EventSource }}
      />,
    ),
  );
  await waitFor(() => expect(streams).toHaveLength(1));
  const stream = streams[0] as FakeServerStream;
  stream.event({ id: "1", data: job({ type: "progress", percent: 35, message: "Encoding" }) });
  const bar = screen.getByRole("progressbar", { name: "Export" });
  await waitFor(() => expect(bar.getAttribute("aria-valuenow")).toBe("35"));
  expect(screen.getByRole("status").textContent).toBe("35% — Encoding");
  // A replayed older event never moves the bar back.
  stream.event({ id: "2", data: job({ type: "progress", percent: 20 }) });
  stream.event({ id: "3", data: job({ type: "done", result: "http://jobs.test/42/export.zip" }) });
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Done."));
  expect(bar.getAttribute("aria-valuenow")).toBe("100");
  expect(screen.getByRole("link", { name: "Download the result" }).getAttribute("href")).toBe(
    "http://jobs.test/42/export.zip",
  );
  // The client hangs up on "done" itself: a response the server ended would be retried.
  await waitFor(() => expect(stream.closed).toBe(true));
  expect(server.totalConnections).toBe(1);
});

it("reports a failed job", async () => {
  const { server, wrap } = setup();
  server.onRequest((stream) => {
    stream.event({ data: job({ type: "progress", percent: 60 }) });
    stream.event({ data: job({ type: "failed", reason: "Disk full" }) });
  });
  render(
    wrap(
      <JobProgress
        url="http://jobs.test/43/events"
        title="Backup"
        options={{ EventSource: server.EventSource }}
      />,
    ),
  );
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Failed: Disk full"));
  expect(screen.getByRole("progressbar", { name: "Backup" }).getAttribute("aria-valuenow")).toBe(
    "60",
  );
  await waitFor(() => expect(server.openConnections).toBe(0));
});
