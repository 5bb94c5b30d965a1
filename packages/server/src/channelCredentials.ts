import type { IncomingMessage } from "node:http";
import { isDeepStrictEqual } from "node:util";
import { CLOSE_CODES } from "@wirekit/core/protocol";
import { type ResolvedAuth, scheduleExpiry, type Verdict, verifyCredentials } from "./auth.js";
import type { ClientFrame, ServerFrame } from "./channelFrames.js";

/** What one socket's credentials need of its session. */
export interface CredentialSettings<User> {
  readonly auth: ResolvedAuth<User>;
  readonly request: IncomingMessage;
  /** What the upgrade request's own credentials (cookies, headers) were found to be. */
  readonly verdict: Verdict<User>;
  /** Milliseconds a socket whose request was refused has to send its `auth` frame. */
  readonly authTimeout: number;
  /** Serves a frame the credentials let through. */
  readonly serve: (frame: ClientFrame) => void;
  readonly send: (frame: ServerFrame) => void;
  /** Closes the socket for a policy reason. */
  readonly close: (code: number, reason: string) => void;
}

/** One socket's credentials: who it is now, and the gate its frames pass. */
export interface ChannelCredentials<User> {
  /** Who `authenticate` said the socket is, kept current by in-band refreshes. */
  readonly user: User;
  /** Takes a frame: an `auth` frame is verified; others are served, or held until verified. */
  admit(frame: ClientFrame): void;
  /** The socket closed: timers stop, and nothing still being verified is acted on. */
  end(): void;
}

// Frames a client may send behind its `auth` frame before it is verified.
const MAX_HELD_FRAMES = 256;

/**
 * The credentials of one channel socket (PROTOCOL.md section 1a). A socket whose upgrade
 * request was accepted is served at once; one refused for want of credentials must send `auth`
 * first, and what follows waits until it is verified. Later `auth` frames refresh the
 * credentials in band: one verification at a time, only the latest of those waiting, so a client
 * flooding `auth` frames costs one pending token. A refresh may not change the user the first
 * `auth` frame named: the socket is closed with 4403 instead. Before the credentials expire the
 * client hears `expiring`; at expiry without fresh ones, the socket is closed with 4440.
 */
export function createChannelCredentials<User>(
  settings: CredentialSettings<User>,
): ChannelCredentials<User> {
  const { auth, request, verdict, authTimeout, serve, send, close } = settings;
  const { clock } = auth;
  let user = (verdict.ok ? verdict.user : undefined) as User;
  // Set by the first `auth` frame verified: a later one renews credentials, never the user.
  let named = false;
  // Frames are served once the socket is verified, and held while fresh credentials are
  // verified after the old ones expired.
  let verified = verdict.ok;
  let verifying = false;
  let expired = false;
  let waitingToken: string | undefined;
  let ended = false;
  const held: ClientFrame[] = [];
  let cancelExpiry = () => {};
  // The expiry the client was last told of.
  let noticed: number | undefined;
  const authTimer = verified
    ? undefined
    : clock.setTimeout(() => {
        if (!ended) close(CLOSE_CODES.notAuthenticated, "no auth frame");
      }, authTimeout);

  const accept = (next: Extract<Verdict<User>, { ok: true }>) => {
    user = next.user;
    verified = true;
    expired = false;
    cancelExpiry();
    cancelExpiry = scheduleExpiry(auth, next.expiresAt, {
      notice: (expiresIn) => {
        // The same credentials sent again: the client knows; telling it sooner would be a loop.
        if (noticed === next.expiresAt) return;
        noticed = next.expiresAt;
        send({ type: "expiring", expiresIn });
      },
      expire: () => {
        if (verifying) expired = true;
        else close(CLOSE_CODES.credentialsExpired, "credentials expired");
      },
    });
    for (const frame of held.splice(0)) serve(frame);
  };

  const verify = (token: string) => {
    if (verifying) {
      waitingToken = token;
      return;
    }
    verifying = true;
    void verifyCredentials(auth, request, token).then((next) => {
      verifying = false;
      if (ended) return;
      if (!next.ok) {
        close(
          next.status === 500
            ? 1011
            : next.status === 403
              ? CLOSE_CODES.forbidden
              : CLOSE_CODES.notAuthenticated,
          next.reason,
        );
        return;
      }
      if (named && !isDeepStrictEqual(next.user, user)) {
        // Its subscriptions and presence were authorized for the user it was: start over.
        close(CLOSE_CODES.forbidden, "a refresh may not change the user");
        return;
      }
      named = true;
      accept(next);
      const newer = waitingToken;
      waitingToken = undefined;
      if (newer !== undefined) verify(newer);
    });
  };

  if (verdict.ok) accept(verdict);

  return {
    get user() {
      return user;
    },
    admit(frame) {
      if (frame.type === "auth") {
        if (auth.authenticate === undefined) return; // PROTOCOL.md 1a: a server without auth ignores it
        if (authTimer !== undefined) clock.clearTimeout(authTimer);
        verify(frame.token);
        return;
      }
      if (verified && !expired) {
        serve(frame);
      } else if (!verifying && !expired) {
        // Refused at the upgrade, and the first frame is not `auth`.
        close(CLOSE_CODES.notAuthenticated, "the first frame must be auth");
      } else if (held.length < MAX_HELD_FRAMES) {
        held.push(frame);
      } else {
        close(1008, "too many frames before authentication");
      }
    },
    end() {
      ended = true;
      if (authTimer !== undefined) clock.clearTimeout(authTimer);
      cancelExpiry();
      held.length = 0;
    },
  };
}
