import { ConnectionError } from "./errors.js";
import { callSafely, rethrowAsync } from "./rethrowAsync.js";

/** The app's credentials hook (`onAuthFailure`): true once it has fresh credentials in place. */
export type AuthHook = (error: ConnectionError) => boolean | Promise<boolean>;

/**
 * When a connection asks the app for fresh credentials: once after the server refused them,
 * until a session opens again; and before they expire, one refresh at a time. A hook that
 * throws is the app's bug: reported as uncaught, and taken as a no.
 */
export class Credentials {
  readonly #hook: AuthHook | undefined;
  #renewed = false;
  #refreshing: Promise<void> | undefined;

  constructor(hook: AuthHook | undefined) {
    this.#hook = hook;
  }

  /** A session opened: the credentials were good, and a later refusal may ask again. */
  accepted(): void {
    this.#renewed = false;
  }

  /**
   * The server refused the credentials: whether the hook may be asked for fresh ones (there is
   * one, not asked since the last open). A yes counts as the one ask until the next open.
   */
  claimRenewal(): boolean {
    if (this.#hook === undefined || this.#renewed) return false;
    this.#renewed = true;
    return true;
  }

  /**
   * Asks the hook for fresh credentials, after the server refused them (`error`) or said they
   * expire soon: true once fresh ones are in place.
   */
  async renew(error: ConnectionError): Promise<boolean> {
    if (this.#hook === undefined) return false;
    try {
      return await this.#hook(error);
    } catch (hookError) {
      rethrowAsync(hookError);
      return false;
    }
  }

  /**
   * The server says the credentials expire soon: asks the hook (code `credentials-expiring`),
   * then `apply`s the fresh ones. One at a time: an event stream's notice and the expiry after
   * it ask for the same refresh. Without a hook, nothing: the same credentials again would only
   * earn another notice, sooner.
   */
  refresh(apply: () => void): Promise<void> {
    this.#refreshing ??= this.#refresh(apply).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(apply: () => void): Promise<void> {
    const expiring = new ConnectionError("credentials-expiring", "The credentials expire soon.");
    // The app's hello may throw: its bug, reported, while the connection goes on.
    if (await this.renew(expiring)) callSafely(apply);
  }
}
