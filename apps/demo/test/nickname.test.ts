import { describe, expect, it } from "vitest";
import { loadNickname, type NicknameStorage, saveNickname } from "../src/chat/nickname.js";
import { loadTabKey } from "../src/chat/tabKey.js";

function memoryStorage(): NicknameStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
  };
}

describe("the chat's nickname", () => {
  it("keeps a random nickname across reloads: it is saved the first time it is made", () => {
    const storage = memoryStorage();
    const first = loadNickname(storage, () => 0.5);
    // Another page load, with other random numbers: the same name comes back.
    expect(loadNickname(storage, () => 0.1)).toBe(first);
    expect(first).toMatch(/^[a-z]+-\d\d$/);
  });

  it("returns a name the person chose, cut to the longest a message carries", () => {
    const storage = memoryStorage();
    saveNickname("ada lovelace".repeat(5), storage);
    expect(loadNickname(storage)).toBe("ada lovelace".repeat(5).slice(0, 32));
  });

  it("still gives a name when storage is missing or refuses", () => {
    const refusing: NicknameStorage = {
      getItem: () => {
        throw new DOMException("denied", "SecurityError");
      },
      setItem: () => {
        throw new DOMException("denied", "SecurityError");
      },
    };
    expect(loadNickname(refusing, () => 0)).toBe("otter-10");
    expect(loadNickname(undefined, () => 0)).toBe("otter-10");
  });
});

describe("the chat's presence key", () => {
  it("is kept per tab, so a reload is the same member; without storage the connection picks one", () => {
    const items = new Map<string, string>();
    const storage = {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => {
        items.set(key, value);
      },
    };
    const first = loadTabKey(storage, () => "k1");
    expect(first).toBe("k1");
    expect(loadTabKey(storage, () => "k2")).toBe("k1");
    expect(loadTabKey(undefined)).toBeUndefined();
  });
});
