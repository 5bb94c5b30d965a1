/**
 * `value` without its undefined members: what an options object built from optional fields needs
 * under `exactOptionalPropertyTypes`, where "missing" and "undefined" differ.
 */
export function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) result[key] = member;
  }
  return result as { [K in keyof T]?: Exclude<T[K], undefined> };
}
