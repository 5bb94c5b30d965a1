import { describe, expect, it } from "vitest";
import {
  mergeMessages,
  parseChatMessage,
  parsePeerData,
  type StoredMessage,
} from "../src/chat/messages.js";

const message = (id: string, mid: string): StoredMessage => ({
  id,
  mid,
  nick: "ada",
  text: mid,
  at: 0,
});

describe("chat messages", () => {
  it("merges fetched history with live messages by id, each once, a resend shown once", () => {
    const history = [message("1", "a"), message("2", "b"), message("3", "c")];
    const live = [message("3", "c"), message("4", "d"), message("10", "e"), message("11", "d")];
    expect(mergeMessages(history, live).map((m) => `${m.id}${m.mid}`)).toEqual([
      "1a",
      "2b",
      "3c",
      "4d",
      "10e",
    ]);
  });

  it("refuses what is not a chat message or a peer's presence data, whatever the server sends", () => {
    expect(parseChatMessage('{"mid":"m","nick":"ada","text":"<b>hi</b>","at":1}').text).toBe(
      "<b>hi</b>",
    );
    for (const bad of [
      "null",
      "42",
      "[]",
      '{"mid":"m","nick":"","text":"x","at":1}',
      '{"mid":"m","nick":"a","text":"x"}',
      "{",
    ]) {
      expect(() => parseChatMessage(bad), bad).toThrow();
    }
    expect(parsePeerData({ nick: "ada", typing: true })).toEqual({ nick: "ada", typing: true });
    for (const bad of [null, "ada", { nick: "" }, { nick: "a".repeat(33), typing: false }]) {
      expect(parsePeerData(bad), JSON.stringify(bad)).toBeUndefined();
    }
    expect(() => parseChatMessage({ mid: "m", nick: "a".repeat(33), text: "x", at: 1 })).toThrow(
      TypeError,
    );
  });
});
