/**
 * Which browser origins may connect: a list of exact origins (`"https://app.example.com"`), or
 * `"*"` for any. A request without an `Origin` header is not from a cross-origin browser page
 * (a server, a CLI, a same-origin GET), and is allowed.
 */
export type AllowedOrigins = readonly string[] | "*";

/** Whether a request with this `Origin` header may go on. */
export function isOriginAllowed(
  allowed: AllowedOrigins | undefined,
  origin: string | undefined,
): boolean {
  if (origin === undefined) return true;
  if (allowed === undefined) return false;
  return allowed === "*" || allowed.includes(origin);
}
