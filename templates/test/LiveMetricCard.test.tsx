import { render, screen, waitFor } from "@testing-library/react";
import { expect, it } from "vitest";
import { LiveMetricCard } from "../LiveMetricCard.js";
import { quickRetry, setup } from "./support.js";

const sample = (value: number) => JSON.stringify({ t: Date.UTC(2026, 0, 1) + value, value });

it("charts the samples of its named event, skipping other events and malformed samples", async () => {
  const { server, wrap } = setup();
  server.onRequest((stream) => {
    stream.event({ event: "cpu", data: sample(10) });
    stream.event({ event: "memory", data: sample(99) });
    stream.event({ event: "cpu", data: "not json" });
    stream.event({ event: "cpu", data: sample(30) });
    stream.event({ event: "cpu", data: sample(20) });
  });
  render(
    wrap(
      <LiveMetricCard
        url="http://metrics.test/stream"
        event="cpu"
        title="CPU"
        unit="%"
        options={{ EventSource: server.EventSource }}
      />,
    ),
  );
  await waitFor(() => expect(screen.getByText("20.0%")).toBeTruthy());
  expect(screen.getByRole("status").textContent).toBe("Live");
  const chart = screen.getByRole("img", { name: "CPU, the last 3 samples" });
  const points = chart.querySelector("polyline")?.getAttribute("points")?.split(" ") ?? [];
  // Scaled to the samples' range: 10 is the bottom, 30 the top.
  expect(points).toEqual(["0.0,62.0", "120.0,2.0", "240.0,32.0"]);
  expect(server.totalConnections).toBe(1);
});

it("shows the drop and goes live again, charting what follows", async () => {
  const { server, wrap } = setup();
  let connection = 0;
  server.onRequest((stream) => {
    connection += 1;
    stream.event({ event: "cpu", data: sample(connection * 10) });
  });
  render(
    wrap(
      <LiveMetricCard
        url="http://metrics.test/stream"
        event="cpu"
        title="CPU"
        options={{ EventSource: server.EventSource, ...quickRetry }}
      />,
    ),
  );
  await waitFor(() => expect(screen.getByText("10.0")).toBeTruthy());
  server.stop();
  server.drop();
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Reconnecting…"));
  server.start();
  await waitFor(() => expect(screen.getByText("20.0")).toBeTruthy());
  expect(screen.getByRole("status").textContent).toBe("Live");
  expect(screen.getByRole("img", { name: "CPU, the last 2 samples" })).toBeTruthy();
});
