import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { FetchEventSource } from "@wirekit/core/event-source";
import type { FakeServerStream } from "@wirekit/testing";
import { renderToString } from "react-dom/server";
import { afterEach, expect, it, vi } from "vitest";
import { NotificationsBell } from "../NotificationsBell.js";
import { setup } from "./support.js";

afterEach(() => localStorage.clear());

const notification = (id: number) => ({
  id: String(id),
  data: JSON.stringify({ title: `Notice ${id}` }),
  event: "notification",
});

it("counts unread notifications, and resumes after a reload with nothing missed or twice", async () => {
  const { server, wrap, freshManager } = setup();
  // A server with a replayable history, resuming after the client's Last-Event-ID.
  const published: number[] = [1, 2];
  const streams: FakeServerStream[] = [];
  server.onRequest((stream) => {
    streams.push(stream);
    const after = Number(stream.lastEventId || 0);
    for (const id of published) if (id > after) stream.event(notification(id));
  });
  const bell = (
    <NotificationsBell
      url="http://app.test/notifications"
      options={{ FetchEventSource, fetch: server.fetch }}
    />
  );
  const first = render(wrap(bell));
  const button = () => screen.getByRole("button", { name: /^Notifications/ });
  await waitFor(() => expect(button().getAttribute("aria-label")).toBe("Notifications, 2 unread"));
  fireEvent.click(button());
  expect(button().getAttribute("aria-label")).toBe("Notifications");
  const list = screen.getByRole("list", { name: "Notifications" });
  expect(
    within(list)
      .getAllByRole("listitem")
      .map((item) => item.textContent),
  ).toEqual(["Notice 2", "Notice 1"]);

  first.unmount(); // the page reloads; meanwhile a notification is published
  published.push(3);
  render(wrap(bell, freshManager()));
  await waitFor(() => expect(button().getAttribute("aria-label")).toBe("Notifications, 1 unread"));
  expect(streams.at(-1)?.lastEventId).toBe("2");
  fireEvent.click(button());
  expect(
    within(screen.getByRole("list", { name: "Notifications" }))
      .getAllByRole("listitem")
      .map((item) => item.textContent),
  ).toEqual(["Notice 3", "Notice 2", "Notice 1"]);
});

it("renders on a server, which has no storage, and hydrates in the browser without a mismatch", async () => {
  const saved = { items: [{ id: "7", title: "Saved before" }], lastEventId: "7", readThrough: "" };
  localStorage.setItem("notifications", JSON.stringify(saved));
  const { server, wrap } = setup();
  const streams: FakeServerStream[] = [];
  server.onRequest((stream) => {
    streams.push(stream);
  });
  const bell = (
    <NotificationsBell
      url="http://app.test/notifications"
      options={{ FetchEventSource, fetch: server.fetch }}
    />
  );
  vi.stubGlobal("localStorage", undefined);
  const html = renderToString(wrap(bell));
  vi.unstubAllGlobals();
  expect(html).toContain('aria-label="Notifications"');

  const container = document.body.appendChild(document.createElement("div"));
  container.innerHTML = html;
  const mismatches: unknown[] = [];
  render(wrap(bell), {
    container,
    hydrate: true,
    onRecoverableError: (error) => mismatches.push(error),
  });
  const button = () => screen.getByRole("button", { name: /^Notifications/ });
  // What storage holds shows once hydrated, and the stream resumes after it.
  await waitFor(() => expect(button().getAttribute("aria-label")).toBe("Notifications, 1 unread"));
  await waitFor(() => expect(streams).toHaveLength(1));
  expect(streams[0]?.lastEventId).toBe("7");
  expect(mismatches).toEqual([]);
});
