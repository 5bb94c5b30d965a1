import type { ConnectionError } from "./errors.js";
import { rethrowAsync } from "./rethrowAsync.js";

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
