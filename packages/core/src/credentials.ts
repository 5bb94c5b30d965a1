import type { Connection } from "./connection.js";
import { ConnectionError } from "./errors.js";
import { callSafely, rethrowAsync } from "./rethrowAsync.js";

/** The app's credentials hook (`onAuthFailure`): true once it has fresh credentials in place. */
export type AuthHook = (error: ConnectionError) => boolean | Promise<boolean>;

/**
 * Asks the app's hook for fresh credentials, after the server refused them (`error`) or said
 * they expire soon: true once they are in place. A hook that throws is the app's bug: reported
 * as uncaught, and taken as a no.
 */
export async function askForCredentials(
  hook: AuthHook | undefined,
  error: ConnectionError,
): Promise<boolean> {
  try {
    return (await hook?.(error)) ?? false;
  } catch (hookError) {
    rethrowAsync(hookError);
    return false;
  }
}

/**
 * What a channel does when the server says the credentials expire soon (PROTOCOL.md section
 * 1a): asks the hook (`error.code` is `credentials-expiring`), then `apply`s the fresh ones — a
 * WebSocket sends its `hello` again, in band; a stream reconnects, resuming. One refresh at a
 * time: an event stream's notice and the expiry after it ask for the same one. Without a hook,
 * nothing: the same credentials again would only earn another notice, sooner. Only channels
 * hear such notices, so this lives with them, not in every connection.
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
