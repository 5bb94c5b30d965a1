// useConnectionStatus under StrictMode: the endpoint it is given (or none, with null), a share in
// the connection while mounted, and its status without the messages.

import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { ConnectionManager, type Endpoint, webSocketEndpoint } from "@wirekit/core";
import { RealtimeProvider, useConnectionStatus } from "@wirekit/react";
import { createFakeServer, createPageLifecycleControls } from "@wirekit/testing";
import { StrictMode } from "react";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";

afterEach(cleanup);

function Badge({ endpoint }: { endpoint: Endpoint | null }) {
  const { status, attempt, queued, error } = useConnectionStatus(endpoint);
  return <p data-testid="badge">{`${status} ${attempt} ${queued} ${error?.code ?? "-"}`}</p>;
}

describe("useConnectionStatus", () => {
  it("shows the endpoint it is given, holds a share while it has one, and none for null", async () => {
    const server = createFakeServer();
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls(), linger: 0 });
    onTestFinished(() => manager.closeAll());
    const endpoint = webSocketEndpoint({ url: "ws://rt.test/", WebSocket: server.WebSocket });
    const view = (target: Endpoint | null) => (
      <StrictMode>
        <RealtimeProvider manager={manager}>
          <Badge endpoint={target} />
        </RealtimeProvider>
      </StrictMode>
    );
    const { rerender } = render(view(null));
    expect(screen.getByTestId("badge").textContent).toBe("idle 0 0 -");
    rerender(view(endpoint));
    await waitFor(() => expect(screen.getByTestId("badge").textContent).toBe("open 0 0 -"));
    expect(server.totalConnections).toBe(1);
    rerender(view(null));
    expect(screen.getByTestId("badge").textContent).toBe("idle 0 0 -");
    // The last share let go: the connection closes after the linger (none here).
    await waitFor(() => expect(server.openConnections).toBe(0));
    await act(async () => {});
    expect(server.totalConnections).toBe(1);
  });

  it("hands out the same reconnect while the connection stays", async () => {
    const server = createFakeServer();
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const endpoint = webSocketEndpoint({ url: "ws://rt.test/", WebSocket: server.WebSocket });
    const handed = new Set<unknown>();
    function Retry() {
      const { status, reconnect } = useConnectionStatus(endpoint);
      if (status !== "idle") handed.add(reconnect);
      return <p data-testid="status">{status}</p>;
    }
    render(
      <StrictMode>
        <RealtimeProvider manager={manager}>
          <Retry />
        </RealtimeProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(screen.getByTestId("status").textContent).toBe("open"));
    // connecting, then open: two renders, one function.
    expect(handed.size).toBe(1);
  });
});
