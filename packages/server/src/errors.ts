/**
 * Why the server refused something of its caller (not of a client: clients get frames, HTTP
 * statuses and close codes, never exceptions):
 * - `invalid-option`: an option is out of range or of the wrong kind;
 * - `closed`: the broker or server was already closed;
 * - `broker-unavailable`: the broker could not reach its store (Redis) within its timeout. A
 *   publish that fails so may still have been stored: its subscribers hear it if it was.
 */
export type ServerErrorCode = "invalid-option" | "closed" | "broker-unavailable";

/** A refusal of `@wirekit/server`'s API (a misuse, or a store out of reach), thrown to the caller. */
export class WirekitServerError extends Error {
  override readonly name = "WirekitServerError";
  readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Throws `invalid-option` unless `value` is a positive finite number. */
export function assertPositive(where: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new WirekitServerError(
      "invalid-option",
      `${where}: \`${name}\` must be a positive number, got ${String(value)}.`,
    );
  }
}
