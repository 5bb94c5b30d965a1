// A small credential store for auth tests: bearer tokens and session cookies, each naming a user
// and maybe an expiry, checked by one `authenticate` that both servers take.
import type { Authenticate } from "@wirekit/server";

export interface CredentialStore {
  /** What `authenticate` was asked about, in order: a token, a cookie, or undefined (none). */
  readonly asked: Array<string | undefined>;
  readonly authenticate: Authenticate<string>;
  /** Makes `credential` (a token or a cookie's value) good for `user`, until `expiresAt`. */
  issue(credential: string, user: string, expiresAt?: number): void;
}

/** A `session=` cookie's value. */
export function sessionCookie(request: { headers: { cookie?: string | undefined } }) {
  return /(?:^|;\s*)session=([^;]+)/.exec(request.headers.cookie ?? "")?.[1];
}

/** The user `banned` is authenticated and refused (403); unknown credentials are 401. */
export function credentialStore(): CredentialStore {
  const issued = new Map<string, { user: string; expiresAt: number | undefined }>();
  const asked: Array<string | undefined> = [];
  return {
    asked,
    authenticate: (request, token) => {
      const credential = token ?? sessionCookie(request);
      asked.push(credential);
      const found = credential === undefined ? undefined : issued.get(credential);
      if (found === undefined) return { refused: 401 };
      if (found.user === "banned") return { refused: 403, reason: "banned" };
      return { user: found.user, expiresAt: found.expiresAt };
    },
    issue(credential, user, expiresAt) {
      issued.set(credential, { user, expiresAt });
    },
  };
}

/** An auth frame, as a client's `hello` sends it. */
export const authFrame = (token: string) => JSON.stringify({ type: "auth", token });
