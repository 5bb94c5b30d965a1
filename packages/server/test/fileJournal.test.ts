import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBroker, openJournal } from "@wirekit/server";
import { describe, expect, it, onTestFinished } from "vitest";

function journalFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "wirekit-journal-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "journal.jsonl");
}

describe("openJournal", () => {
  it("gives a restarted broker its messages back, so ids and resumes carry on", async () => {
    const file = journalFile();
    const first = openJournal(file, { keepPerChannel: 10 });
    const before = createMemoryBroker({ restore: first.restored, persist: first.append });
    await before.publish("room:a", { text: "one" });
    await before.publish("load", 0.5);
    await before.publish("room:a", { text: "two" });

    const second = openJournal(file, { keepPerChannel: 10 });
    const after = createMemoryBroker({ restore: second.restored, persist: second.append });
    expect(await after.publish("room:a", { text: "three" })).toEqual({ id: "3", seq: 4 });
    const replay = await after.replay("room:a", "1");
    expect(replay.complete).toBe(true);
    expect(replay.messages.map((message) => message.data)).toEqual([
      { text: "two" },
      { text: "three" },
    ]);
  });

  it("skips a torn last line (a kill mid-write) and lines out of order", () => {
    const file = journalFile();
    appendFileSync(
      file,
      [
        '{"channel":"a","id":"1","seq":1,"data":1}',
        '{"channel":"a","id":"2","seq":2,"data":2}',
        '{"channel":"a","id":"2","seq":3,"data":"repeated id"}',
        "not json",
        '{"channel":"a","id":"3","seq":4,"da',
      ].join("\n"),
    );
    const journal = openJournal(file, { keepPerChannel: 10 });
    expect(journal.restored.map((message) => message.data)).toEqual([1, 2]);
    // Rewritten to what it kept, so the next append starts on a line of its own.
    journal.append({ channel: "a", id: "3", seq: 3, data: 3 });
    expect(
      openJournal(file, { keepPerChannel: 10 }).restored.map((message) => message.data),
    ).toEqual([1, 2, 3]);
  });

  it("keeps the newest messages of each channel, and compacts the file as it grows", () => {
    const file = journalFile();
    const journal = openJournal(file, { keepPerChannel: 3, compactEvery: 5 });
    for (let seq = 1; seq <= 12; seq++) {
      journal.append({
        channel: seq % 2 === 0 ? "even" : "odd",
        id: String(Math.ceil(seq / 2)),
        seq,
        data: seq,
      });
    }
    const lines = readFileSync(file, "utf8").trim().split("\n");
    // Compacted at the 5th and 10th append, two appended since: at most 3 per channel plus 2.
    expect(lines.length).toBeLessThanOrEqual(8);
    expect(
      openJournal(file, { keepPerChannel: 3 }).restored.map((message) => message.data),
    ).toEqual([7, 8, 9, 10, 11, 12]);
  });

  it("keeps bytes as bytes across a restart", async () => {
    const file = journalFile();
    const first = openJournal(file);
    const before = createMemoryBroker({ restore: first.restored, persist: first.append });
    await before.publish("cam", new Uint8Array([0, 255, 7]));
    const [restored] = openJournal(file).restored;
    expect(restored?.data).toEqual(new Uint8Array([0, 255, 7]));
  });
});
