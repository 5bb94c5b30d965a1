// What every template test shares: a fake server on real timers (each message in a task of its
// own, as in a browser), a manager with hand-driven page lifecycle, StrictMode around it all.
import { cleanup } from "@testing-library/react";
import { ConnectionManager } from "@wirekit/core";
import { RealtimeProvider } from "@wirekit/react";
import { createFakeServer, createPageLifecycleControls } from "@wirekit/testing";
import { type ReactNode, StrictMode } from "react";
import { afterEach, onTestFinished } from "vitest";

afterEach(cleanup);

/** Retries after 20 ms instead of the default 4 s or more: a drop recovers within the test. */
export const quickRetry = { retryDelay: () => 20 } as const;

export function setup() {
  const server = createFakeServer();
  const page = createPageLifecycleControls();
  const managers: ConnectionManager[] = [];
  onTestFinished(() => {
    for (const manager of managers) manager.closeAll();
  });
  /** Another page load, or another browser: a manager of its own, so connections of its own. */
  const freshManager = () => {
    const manager = new ConnectionManager({ lifecycle: page, linger: 50 });
    managers.push(manager);
    return manager;
  };
  const manager = freshManager();
  const wrap = (children: ReactNode, own = manager) => (
    <StrictMode>
      <RealtimeProvider manager={own}>{children}</RealtimeProvider>
    </StrictMode>
  );
  return { server, page, manager, freshManager, wrap };
}
