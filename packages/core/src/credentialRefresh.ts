// The channels' answer to the server's notice that the credentials expire soon (PROTOCOL.md
// section 1a): only channels hear it, so this sits with them, above Connection.
import type { Connection } from "./connection.js";
import { type AuthHook, askForCredentials } from "./credentials.js";
import { ConnectionError } from "./errors.js";
import { callSafely } from "./rethrowAsync.js";

/**
 * What a channel does when the server says the credentials expire soon (PROTOCOL.md section
 * 1a): asks the hook (`error.code` is `credentials-expiring`), then `apply`s the fresh ones — a
 * WebSocket sends its `hello` again, in band; a stream reconnects, resuming. One refresh at a
 * time: an event stream's notice and the expiry after it ask for the same one. Without a hook,
 * nothing: the same credentials again would only earn another notice, sooner.
 */
export function credentialRefresher(
  hook: AuthHook | undefined,
): (apply: () => void) => Promise<void> {
  let refreshing: Promise<void> | undefined;
  const refresh = async (apply: () => void) => {
    const expiring = new ConnectionError("credentials-expiring", "The credentials expire soon.");
    // The app's hello may throw: its bug, reported, while the connection goes on.
    if (await askForCredentials(hook, expiring)) callSafely(apply);
  };
  return (apply) => {
    refreshing ??= refresh(apply).finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
}

/**
 * Fresh credentials that cannot travel in band (a stream's headers, a socket without a `hello`):
 * an open connection, or one waiting out a retry, reconnects with them at once, resuming where it
 * stood. An attempt already under way carries them by itself.
 */
export function reconnectWithFreshCredentials(connection: Connection): void {
  const { status, nextRetryAt } = connection.getSnapshot();
  if (status === "open" || nextRetryAt !== null) connection.reconnect();
}
