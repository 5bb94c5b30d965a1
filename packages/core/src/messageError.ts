import { WirekitError } from "./errors.js";

/**
 * A message that could not become a value: its `parse` threw (`parse`), or the schema of a
 * `json(schema)` parse refused it (`schema`, with the schema's `issues`). It is not delivered.
 */
export class MessageError extends WirekitError<
  "parse" | "schema",
  { issues: ReadonlyArray<{ readonly message: string }> }
> {
  override readonly name = "MessageError";
  /** The schema's issues, for `schema`; none for `parse`. */
  declare readonly issues: ReadonlyArray<{ readonly message: string }>;

  // An app's own parse may throw one too, with no issues to give.
  constructor(
    code: "parse" | "schema",
    message: string,
    detail: { issues?: ReadonlyArray<{ readonly message: string }>; cause?: unknown } = {},
  ) {
    super(code, message, { issues: [], ...detail });
  }
}
