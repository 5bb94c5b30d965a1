/**
 * A message that could not become a value: its `parse` threw (`parse`), or the schema of a
 * `json(schema)` parse refused it (`schema`, with the schema's `issues`). It is not delivered.
 */
export class MessageError extends Error {
  override readonly name = "MessageError";
  readonly code: "parse" | "schema";
  /** The schema's issues, for `schema`. */
  readonly issues: ReadonlyArray<{ readonly message: string }>;

  constructor(
    code: "parse" | "schema",
    message: string,
    detail: { issues?: ReadonlyArray<{ readonly message: string }>; cause?: unknown } = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.code = code;
    this.issues = detail.issues ?? [];
  }
}
