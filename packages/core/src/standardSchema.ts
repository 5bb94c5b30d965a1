import { MessageError } from "./messageError.js";

type StandardResult<T> =
  | { readonly value: T; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string }> };

/**
 * The part of the Standard Schema interface (standardschema.dev) wirekit uses: zod, valibot,
 * arktype and other validators implement it.
 */
export interface StandardSchema<T> {
  readonly "~standard": {
    readonly validate: (value: unknown) => StandardResult<T> | Promise<StandardResult<T>>;
  };
}

/**
 * A `parse` that validates every message with a Standard Schema (zod, valibot, arktype, …) after
 * `JSON.parse`: a message that fails it is not delivered and becomes the hook's `error` (a
 * `MessageError` with code `schema` and the schema's `issues`). An imported value, so that an
 * app that validates nothing carries none of it.
 *
 * @example
 * const { data } = useSocket(url, { parse: json(ChatMessage) }); // data: ChatMessage | undefined
 */
export function json<T>(schema: StandardSchema<T>): (data: unknown) => T {
  return (data) => {
    const result = schema["~standard"].validate(typeof data === "string" ? JSON.parse(data) : data);
    if (result instanceof Promise) {
      throw new MessageError("schema", "Async schemas are not supported.");
    }
    const { issues } = result;
    if (issues === undefined) return result.value;
    const first = issues[0]?.message ?? "invalid";
    throw new MessageError("schema", `A message failed validation: ${first}`, { issues });
  };
}
