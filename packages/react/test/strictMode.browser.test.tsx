// In real Chromium against a real server: StrictMode opens no extra connection, and unmounting
// lets the connection go. The server counts connections.

import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { ConnectionManager } from "@wirekit/core";
import { RealtimeProvider, useEventStream } from "@wirekit/react";
import { StrictMode } from "react";
import { afterEach, expect, inject, it, onTestFinished } from "vitest";

const origin = inject("eventStreamServer");
afterEach(cleanup);

async function connections(name: string): Promise<{ total: number; open: number }> {
  const response = await fetch(`${origin}/connections?name=${name}`);
  return (await response.json()) as { total: number; open: number };
}

function Reader({ name, token, events }: { name: string; token?: string; events?: string[] }) {
  const { status, data } = useEventStream(`${origin}/counted?name=${name}`, {
    ...(token === undefined ? {} : { headers: () => ({ Authorization: `Bearer ${token}` }) }),
    ...(events === undefined ? {} : { events }),
  });
  return <p>{`${status}: ${data ?? "-"}`}</p>;
}

it.each([
  ["the browser's EventSource", undefined],
  ["FetchEventSource with headers", "t0k3n"],
])("opens exactly one connection for three StrictMode readers through %s", async (_, token) => {
  const name = `strict-${token ?? "native"}`;
  const manager = new ConnectionManager({ linger: 50 });
  onTestFinished(() => manager.closeAll());
  const view = render(
    <StrictMode>
      <RealtimeProvider manager={manager}>
        <Reader name={name} {...(token === undefined ? {} : { token })} />
        <Reader name={name} {...(token === undefined ? {} : { token })} />
        <Reader name={name} {...(token === undefined ? {} : { token })} />
      </RealtimeProvider>
    </StrictMode>,
  );
  await waitFor(() => expect(screen.getAllByText(`open: hello ${name}`)).toHaveLength(3));
  expect(await connections(name)).toEqual({ total: 1, open: 1 });
  view.unmount();
  await waitFor(async () => expect(await connections(name)).toEqual({ total: 1, open: 0 }));
});

it("shares one connection between readers of different named events of a stream", async () => {
  const name = "named-events";
  const manager = new ConnectionManager({ linger: 50 });
  onTestFinished(() => manager.closeAll());
  render(
    <StrictMode>
      <RealtimeProvider manager={manager}>
        <Reader name={name} />
        <Reader name={name} events={["named"]} />
      </RealtimeProvider>
    </StrictMode>,
  );
  // The plain reader keeps to `message`; the other also hears `named`, which came after it.
  await waitFor(() => expect(screen.getByText(`open: hello ${name}`)).toBeTruthy());
  await waitFor(() => expect(screen.getByText(`open: named ${name}`)).toBeTruthy());
  expect(await connections(name)).toEqual({ total: 1, open: 1 });
});
