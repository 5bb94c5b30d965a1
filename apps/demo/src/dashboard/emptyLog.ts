import type { ConnectionStatus, RealtimeError } from "@wirekit/core";
import { describeError } from "../describeError.js";

/** What the event log says before its first event: why it is empty, and what will appear. */
export function emptyLogText(status: ConnectionStatus, error: RealtimeError | null): string {
  switch (status) {
    case "open":
      return "Connected. The first events are on their way; each appears here, newest first.";
    case "reconnecting":
      return "No events yet: reconnecting to the server.";
    case "paused":
      return "No events yet: the stream is paused while this tab is hidden or offline.";
    case "failed":
      return `No events. ${error === null ? "The stream failed." : describeError(error)}`;
    case "closed":
      return "No events: the stream is closed. Reconnect to start it again.";
    case "idle":
    case "connecting":
      return "Waiting for the first event. Each one appears here, newest first, with its id.";
  }
}
