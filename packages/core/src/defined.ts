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

/** The members `keys` of `value` that are defined. */
export function pick<T extends object, K extends keyof T>(
  value: T,
  keys: readonly K[],
): { [P in K]?: Exclude<T[P], undefined> } {
  const result: Partial<Record<K, unknown>> = {};
  for (const key of keys) {
    if (value[key] !== undefined) result[key] = value[key];
  }
  return result as { [P in K]?: Exclude<T[P], undefined> };
}
