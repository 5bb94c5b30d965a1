// A server that refuses the stream (a 401 once a session expired, a 400 for a bad request) is
// shown as such by every event-stream template, not as a bare "Offline".
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { FetchEventSource } from "@wirekit/core/event-source";
import type { FakeServer } from "@wirekit/testing";
import type { ReactElement } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { AiTokenStream } from "../AiTokenStream.js";
import { JobProgress } from "../JobProgress.js";
import { LiveMetricCard } from "../LiveMetricCard.js";
import { LogTail } from "../LogTail.js";
import { NotificationsBell } from "../NotificationsBell.js";
import { quickRetry, setup } from "./support.js";

afterEach(() => localStorage.clear());

interface Case {
  readonly render: (server: FakeServer) => ReactElement;
  /** What the template needs before it connects. */
  readonly start?: () => void;
  /** The status line for a refusal, `{reason}` standing for the words. */
  readonly says: string;
}

const URL = "http://app.test/stream";

const CASES: Record<string, Case> = {
  LiveMetricCard: {
    render: (server) => (
      <LiveMetricCard
        url={URL}
        event="cpu"
        title="CPU"
        options={{ FetchEventSource, fetch: server.fetch }}
      />
    ),
    says: "Offline: {reason}",
  },
  LogTail: {
    render: (server) => <LogTail url={URL} options={{ FetchEventSource, fetch: server.fetch }} />,
    says: "Offline: {reason}",
  },
  JobProgress: {
    render: (server) => (
      <JobProgress url={URL} title="Export" options={{ FetchEventSource, fetch: server.fetch }} />
    ),
    says: "0% — cannot follow the job: {reason}",
  },
  NotificationsBell: {
    render: (server) => (
      <NotificationsBell url={URL} options={{ FetchEventSource, fetch: server.fetch }} />
    ),
    says: "Offline: {reason}",
  },
  AiTokenStream: {
    render: (server) => <AiTokenStream url={URL} options={{ fetch: server.fetch }} />,
    start: () => {
      fireEvent.change(screen.getByRole("textbox", { name: "Prompt" }), {
        target: { value: "Hello?" },
      });
      fireEvent.click(screen.getByRole("button", { name: "Ask" }));
    },
    says: "Could not reach the assistant: {reason}.",
  },
};

/** Renders `template` against a server answering `status`, and waits for the status line. */
async function expectRefusal(template: Case, status: number, reason: string): Promise<void> {
  const { server, wrap } = setup();
  server.onRequest((stream) => stream.fail(status));
  render(wrap(template.render(server)));
  template.start?.();
  const says = template.says.replace("{reason}", reason);
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe(says));
  expect(server.totalConnections).toBe(1);
}

describe.each(Object.entries(CASES))("%s", (_name, template) => {
  it("says the server asks for a sign-in when it answers 401", async () => {
    await expectRefusal(template, 401, "sign-in required (401)");
  });

  it("says the server rejected the request when it answers 400", async () => {
    await expectRefusal(template, 400, "the server rejected the request (400)");
  });
});

it("keeps trying when the browser's EventSource hides why it was refused, and comes back", async () => {
  const { server, wrap } = setup();
  // A deploy's 502 or 503 looks, through the browser's EventSource, like any refusal.
  let requests = 0;
  server.onRequest((stream) => {
    if (++requests === 1) stream.fail(503);
  });
  render(
    wrap(
      <LiveMetricCard
        url={URL}
        event="cpu"
        title="CPU"
        options={{ EventSource: server.EventSource, ...quickRetry }}
      />,
    ),
  );
  await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Live"));
  expect(requests).toBe(2);
});
