const KEY = "wirekit-demo:presence-key";

/**
 * The key that makes this tab the same presence member across reloads: kept in
 * `sessionStorage`, which is per tab, so a reload within the server's grace is not seen by
 * others as a leave and a join. `undefined` without storage: the connection picks one.
 */
export function loadTabKey(
  storage: Pick<Storage, "getItem" | "setItem"> | undefined,
  random: () => string = () => globalThis.crypto.randomUUID(),
): string | undefined {
  try {
    const saved = storage?.getItem(KEY);
    if (saved != null && saved !== "") return saved;
    if (storage === undefined) return undefined;
    const key = random();
    storage.setItem(KEY, key);
    return key;
  } catch {
    // Storage may be disabled: a new member per page load is fine.
    return undefined;
  }
}
