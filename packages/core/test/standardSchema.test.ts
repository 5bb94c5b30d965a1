// json(schema): the parse that validates, and the errors it gives the observer.
import { json, MessageError, type StandardSchema } from "@wirekit/core";
import { describe, expect, it } from "vitest";

const price: StandardSchema<{ price: number }> = {
  "~standard": {
    validate: (value) =>
      typeof (value as { price?: unknown } | null)?.price === "number"
        ? { value: value as { price: number } }
        : { issues: [{ message: "price must be a number" }] },
  },
};

describe("json(schema)", () => {
  it("parses text as JSON and returns what the schema accepts; a value that came parsed, as is", () => {
    const parse = json(price);
    expect(parse('{"price":1}')).toEqual({ price: 1 });
    expect(parse({ price: 2 })).toEqual({ price: 2 });
  });

  it("throws a MessageError with the schema's issues for what it refuses", () => {
    const thrown = (() => {
      try {
        json(price)('{"price":"free"}');
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(MessageError);
    expect(thrown).toMatchObject({
      code: "schema",
      message: "A message failed validation: price must be a number",
      issues: [{ message: "price must be a number" }],
    });
  });

  it("refuses an async schema, whose answer a message cannot wait for", () => {
    const later: StandardSchema<number> = {
      "~standard": { validate: async (value) => ({ value: value as number }) },
    };
    expect(() => json(later)("1")).toThrow(
      expect.objectContaining({ code: "schema", message: "Async schemas are not supported." }),
    );
  });

  it("lets a JSON syntax error out as it is, for the observer to call a parse error", () => {
    expect(() => json(price)("{not json")).toThrow(SyntaxError);
  });
});
