import type { ConnectionError, RealtimeError } from "@wirekit/core";

/**
 * What went wrong, in words for the person looking at the page: no URL, no stack, no jargon.
 * wirekit's own messages are written for developers (they name the URL that failed); this page
 * is for everyone.
 */
export function describeError(error: RealtimeError): string {
  switch (error.name) {
    case "ConnectionError":
      return describeConnectionError(error);
    case "EventStreamParseError":
      return "Part of the stream could not be read and was skipped.";
    case "MessageError":
      return "A message was not what this page expects, and was skipped.";
    case "ChannelProtocolError":
      return "The server sent something this page could not read; it was skipped.";
    case "ChannelServerError":
      return error.code === "rate-limited"
        ? "The server asked us to slow down."
        : "The server refused a request from this page.";
  }
}

function describeConnectionError(error: ConnectionError): string {
  switch (error.code) {
    case "network":
      return "The connection to the server was lost.";
    case "stream-ended":
      return "The server ended the stream.";
    case "closed":
      return "The server closed the connection.";
    case "connect-timeout":
      return "The server did not answer in time.";
    case "heartbeat-timeout":
    case "watchdog-timeout":
      return "The connection went silent.";
    case "http-status":
      return describeStatus(error.status);
    case "content-type":
    case "invalid-response":
      return "The server answered with something other than a live stream.";
    case "headers":
      return "The request could not be prepared.";
    case "retries-exhausted":
      return "The server could not be reached, so this page stopped trying.";
    case "credentials-expiring":
      return "Your sign-in is being renewed.";
  }
}

function describeStatus(status: number | undefined): string {
  // The browser's EventSource does not say which status it was refused with.
  if (status === undefined) return "The server refused the stream.";
  if (status === 401) return "The server asks you to sign in first.";
  if (status === 403) return "The server does not allow this.";
  if (status === 404) return "The server has no such stream.";
  if (status === 429) return "The server is busy; it asked us to wait.";
  if (status >= 500) return "The server ran into a problem.";
  return "The server refused the request.";
}
