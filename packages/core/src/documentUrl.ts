/**
 * `url` resolved as a page resolves it: against the document's address, so that a relative URL
 * works in a browser; outside one only an absolute URL parses. Throws a `TypeError` (the `URL`
 * constructor's) for one that does not parse.
 */
export function documentUrl(url: string | URL): URL {
  return new URL(url, (globalThis as { location?: { href?: string } }).location?.href);
}
