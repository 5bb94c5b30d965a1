// The demo in real Chromium, started the way the README says. The tests run in order and share
// one demo process, one browser and three people: a dashboard viewer, alice and bob.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  contiguous,
  idsIn,
  launchChromium,
  setHidden,
  shown,
  startHidden,
  untilStatus,
} from "./support/browser.js";
import { type DemoProcess, startDemo } from "./support/demoProcess.js";

const ARTIFACTS = join(import.meta.dirname, "artifacts");
const ROOM = "e2e";
const XSS = "<img src=x onerror=alert(1)>";

let dataDir: string;
let demo: DemoProcess;
let browser: Browser;
let dashboard: Page;
let alice: Page;
let bob: Page;
const dialogs: string[] = [];

async function openPage(
  path: string,
  { hidden = false, viewport = { width: 1280, height: 860 } } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  if (hidden) await page.addInitScript(startHidden);
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(demo.url + path);
  return page;
}

async function joinAs(page: Page, nick: string): Promise<void> {
  const field = page.getByRole("textbox", { name: "Nickname" });
  await field.fill(nick);
  await field.press("Enter");
}

/** The texts in a page's message log, in order. */
function texts(page: Page): Promise<string[]> {
  return page.getByRole("log").locator(".text").allTextContents();
}

/** The id a stream request resumes from: the header, or native EventSource's query parameter. */
function resumeIdOf(request: Request): string {
  const url = new URL(request.url());
  return request.headers()["last-event-id"] ?? url.searchParams.get("lastEventId") ?? "";
}

async function status(): Promise<{ streams: number; sockets: number; lastEventId: string }> {
  const response = await fetch(`${demo.url}/api/status`);
  return (await response.json()) as { streams: number; sockets: number; lastEventId: string };
}

/** The rate the server ticks at now. */
async function serverRate(): Promise<number> {
  const response = await fetch(`${demo.url}/api/rate`);
  return ((await response.json()) as { perSecond: number }).perSecond;
}

const rateControl = (page: Page) => page.getByRole("combobox", { name: "Ticks per second" });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "wirekit-demo-"));
  mkdirSync(ARTIFACTS, { recursive: true });
  [demo, browser] = await Promise.all([startDemo(0, dataDir), launchChromium()]);
  dashboard = await openPage("/dashboard");
  alice = await openPage(`/chat?room=${ROOM}`);
  bob = await openPage(`/chat?room=${ROOM}`);
});

afterAll(async () => {
  await browser?.close();
  await demo?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the demo", () => {
  it("dashboard: metrics arrive live as named events, with ids in order", async () => {
    await untilStatus(dashboard, "open");
    await expect.poll(() => shown(dashboard, "received")).toBeGreaterThanOrEqual(8);
    const first = await shown(dashboard, "last-event-id");
    await expect.poll(() => shown(dashboard, "last-event-id")).toBeGreaterThan(first);
    for (const metric of ["load", "memory", "requests", "events"]) {
      await expect
        .poll(() => dashboard.getByTestId(`metric-${metric}`).textContent())
        .not.toBe("–");
    }
    expect(await dashboard.locator(".chart canvas").count()).toBe(4);
    expect(contiguous(await idsIn(dashboard, ".event-log"))).toBe(true);
    expect(await shown(dashboard, "missed")).toBe(0);
    await dashboard.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
  });

  it("dashboard: a drop from the server side is resumed from Last-Event-ID, and the rate control works", async () => {
    const resumes: string[] = [];
    dashboard.on("request", (request) => {
      if (request.url().includes("/api/events")) resumes.push(resumeIdOf(request));
    });
    await expect.poll(() => shown(dashboard, "received")).toBeGreaterThan(0);
    await rateControl(dashboard).selectOption("10");
    await expect.poll(serverRate).toBe(10);
    const before = await shown(dashboard, "last-event-id");
    await dashboard.getByRole("button", { name: "Drop connection (server side)" }).click();
    await expect.poll(() => resumes.length).toBe(1);
    expect(Number(resumes[0])).toBeGreaterThanOrEqual(before);
    await untilStatus(dashboard, "open");
    await expect
      .poll(() => shown(dashboard, "last-event-id"))
      .toBeGreaterThan(Number(resumes[0]) + 8);
    expect(contiguous(await idsIn(dashboard, ".event-log"))).toBe(true);
    expect(await shown(dashboard, "missed")).toBe(0);
    expect(await shown(dashboard, "duplicates")).toBe(0);
    await rateControl(dashboard).selectOption("2");
    await expect.poll(serverRate).toBe(2);
  });

  it("chat: two people in one room see each other, each other's typing and messages", async () => {
    await untilStatus(alice, "open");
    await untilStatus(bob, "open");
    await joinAs(alice, "alice");
    await joinAs(bob, "bob");
    const presence = (page: Page) => page.getByRole("complementary", { name: "Who is here" });
    await expect.poll(() => presence(alice).textContent()).toContain("bob");
    await expect.poll(() => presence(bob).textContent()).toContain("alice");

    await alice.getByRole("textbox", { name: "Message" }).pressSequentially("hel");
    await expect.poll(() => bob.locator(".typing").textContent()).toContain("alice is typing");

    await alice.getByRole("textbox", { name: "Message" }).fill("hello from alice");
    await alice.getByRole("button", { name: "Send" }).click();
    await bob.getByRole("textbox", { name: "Message" }).fill("hi alice, bob here");
    await bob.getByRole("button", { name: "Send" }).click();
    for (const page of [alice, bob]) {
      await expect.poll(() => texts(page)).toEqual(["hello from alice", "hi alice, bob here"]);
    }
    // Sending ends "typing" for the others at once.
    await expect.poll(() => bob.locator(".typing").textContent()).not.toContain("alice is typing");
    // Alice's own message went from pending to acknowledged.
    await expect
      .poll(() => alice.getByRole("log").locator('[data-state="sent"]').first().textContent())
      .toContain("sent");
    await alice.screenshot({ path: join(ARTIFACTS, "chat.png"), fullPage: true });
  });

  it("chat: a late joiner sees who is here at once, and a closed tab leaves after the server's grace", async () => {
    const presence = (page: Page) => page.getByRole("complementary", { name: "Who is here" });
    const carol = await openPage(`/chat?room=${ROOM}`);
    await joinAs(carol, "carol");
    // Nobody says anything: the server's snapshot shows carol alice and bob.
    await expect.poll(() => presence(carol).textContent()).toContain("alice");
    expect(await presence(carol).textContent()).toContain("bob");
    await expect.poll(() => presence(alice).textContent()).toContain("carol");
    await carol.context().close();
    // The grace is 5 s, well inside the shared ceiling.
    await expect.poll(() => presence(alice).textContent()).not.toContain("carol");
    expect(await presence(alice).textContent()).toContain("bob");
  });

  it("chat: a reload keeps the nickname, and the person's earlier messages keep their 'sent' mark", async () => {
    const mine = () => alice.getByRole("log").locator(".message.mine .state");
    await expect.poll(() => mine().count()).toBeGreaterThan(0);
    await alice.reload();
    await untilStatus(alice, "open");
    expect(await alice.getByRole("textbox", { name: "Nickname" }).inputValue()).toBe("alice");
    await expect.poll(() => texts(alice)).toContain("hello from alice");
    await expect.poll(() => mine().allTextContents()).toContain(" · sent");
    const marked = await alice.getByRole("log").locator(".message.mine .text").allTextContents();
    expect(marked).toEqual(["hello from alice"]);
    // The tab keeps its presence key: the reloaded page is the same member, listed once.
    const here = bob.getByRole("complementary", { name: "Who is here" }).locator("li");
    await expect.poll(() => here.allTextContents()).toContain("alice");
    expect((await here.allTextContents()).filter((name) => name === "alice")).toHaveLength(1);
  });

  it("chat on a phone (390×844): the message box is on screen, rooms and nickname fold away", async () => {
    const phone = await openPage(`/chat?room=${ROOM}`, { viewport: { width: 390, height: 844 } });
    await untilStatus(phone, "open");
    await expect.poll(() => texts(phone)).toContain("hello from alice");
    const box = await phone.getByRole("textbox", { name: "Message" }).boundingBox();
    expect(box).not.toBeNull();
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(844);
    expect(await phone.getByRole("link", { name: "#general" }).isVisible()).toBe(false);
    expect(await phone.getByRole("textbox", { name: "Nickname" }).isVisible()).toBe(false);
    const text = await phone.getByRole("log").locator(".text").first().boundingBox();
    expect(text?.width ?? 0).toBeGreaterThan(300);
    await phone.screenshot({ path: join(ARTIFACTS, "chat-phone.png") });
    const toggle = phone.locator(".menu-toggle");
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    expect(await phone.getByRole("link", { name: "#general" }).isVisible()).toBe(true);
    expect(await phone.getByRole("textbox", { name: "Nickname" }).isVisible()).toBe(true);
    await phone.context().close();
  });

  it("chat: markup typed by a user is shown as text and runs nothing", async () => {
    await alice.getByRole("textbox", { name: "Message" }).fill(XSS);
    await alice.getByRole("button", { name: "Send" }).click();
    await expect.poll(async () => (await texts(bob)).at(-1)).toBe(XSS);
    expect(await bob.getByRole("log").locator("img").count()).toBe(0);
    expect(await alice.getByRole("log").locator("img").count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it("a killed and restarted server: every page recovers, nothing lost or repeated", async () => {
    await expect.poll(() => shown(dashboard, "received")).toBeGreaterThan(0);
    // A rate other than the default, which a restarted server does not remember.
    await rateControl(dashboard).selectOption("5");
    await expect.poll(serverRate).toBe(5);
    const before = await shown(dashboard, "last-event-id");
    const sentBefore = await texts(bob);

    await demo.kill();
    for (const page of [dashboard, alice, bob]) {
      await expect
        .poll(() => page.getByRole("status").first().getAttribute("data-status"))
        .not.toBe("open");
    }
    // What happened, in words: no URL.
    await expect
      .poll(() => dashboard.getByRole("alert").textContent())
      .toBe("The connection to the server was lost.");
    expect(await rateControl(dashboard).isDisabled()).toBe(true);
    // Typed while the server is down: queued, then sent once it is back.
    await alice.getByRole("textbox", { name: "Message" }).fill("sent while the server was down");
    await alice.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => alice.getByRole("log").textContent()).toContain("queued");
    await expect.poll(() => alice.getByRole("alert").textContent()).toContain("reconnecting");
    // Only what alice typed is waiting: presence and typing are not messages of hers.
    expect(await alice.getByRole("alert").textContent()).toContain("(1 waiting)");

    demo = await startDemo(demo.port, dataDir, { built: true });
    for (const page of [dashboard, alice, bob]) await untilStatus(page, "open", 45_000);

    const expected = [...sentBefore, "sent while the server was down"];
    for (const page of [alice, bob]) {
      await expect.poll(() => texts(page)).toEqual(expected);
      const ids = await idsIn(page, '[role="log"]');
      expect(ids).toEqual(expected.map((_text, index) => index + 1));
    }
    await expect.poll(() => shown(dashboard, "last-event-id")).toBeGreaterThan(before + 4);
    const ids = await idsIn(dashboard, ".event-log");
    expect(ids).toContain(before);
    expect(contiguous(ids)).toBe(true);
    expect(await shown(dashboard, "missed")).toBe(0);
    expect(await shown(dashboard, "duplicates")).toBe(0);
    // The control shows the rate the new process runs at, its default, not the one before.
    expect(await serverRate()).toBe(2);
    await expect.poll(() => rateControl(dashboard).inputValue()).toBe("2");
    expect(await rateControl(dashboard).isDisabled()).toBe(false);
  });

  it("a hidden tab pauses its stream, and resumes from Last-Event-ID with no gap", async () => {
    const page = await openPage("/dashboard");
    await untilStatus(page, "open");
    await expect.poll(() => shown(page, "received")).toBeGreaterThan(4);
    const resumes: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/events")) resumes.push(resumeIdOf(request));
    });
    const streamsWhileVisible = (await status()).streams;

    await setHidden(page, true);
    await untilStatus(page, "paused");
    await expect.poll(async () => (await status()).streams).toBe(streamsWhileVisible - 1);
    const pausedAt = await shown(page, "last-event-id");
    // The server goes on: wait until it has published well past where the page stopped.
    await expect
      .poll(async () => Number((await status()).lastEventId))
      .toBeGreaterThan(pausedAt + 8);
    expect(await shown(page, "last-event-id")).toBe(pausedAt);

    await setHidden(page, false);
    await untilStatus(page, "open");
    expect(resumes).toEqual([String(pausedAt)]);
    await expect.poll(() => shown(page, "last-event-id")).toBeGreaterThan(pausedAt + 8);
    const ids = await idsIn(page, ".event-log");
    expect(ids).toContain(pausedAt);
    expect(contiguous(ids)).toBe(true);
    expect(await shown(page, "missed")).toBe(0);
    expect(await shown(page, "duplicates")).toBe(0);
    await page.context().close();
  });

  it("a tab opened hidden says why its event log is empty, and fills it once shown", async () => {
    const page = await openPage("/dashboard", { hidden: true });
    await untilStatus(page, "paused");
    expect(await page.getByTestId("event-log-empty").textContent()).toBe(
      "No events yet: the stream is paused while this tab is hidden or offline.",
    );
    expect(await page.locator(".event-log [data-id]").count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-hidden.png"), fullPage: true });
    await setHidden(page, false);
    await untilStatus(page, "open");
    await expect.poll(() => page.locator(".event-log [data-id]").count()).toBeGreaterThan(0);
    expect(await page.getByTestId("event-log-empty").count()).toBe(0);
    await page.context().close();
  });

  it("refuses a WebSocket from a foreign origin, and accepts the demo's own", async () => {
    const chatUrl = `${demo.url.replace("http:", "ws:")}/api/chat`;
    const foreign = createServer((_request, response) => {
      response
        .writeHead(200, { "Content-Type": "text/html" })
        .end("<!doctype html><title>elsewhere</title>");
    });
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = foreign.address() as AddressInfo;
      const page = await openPage("/");
      const attempt = (target: Page) =>
        target.evaluate(
          (url) =>
            new Promise<string>((resolve) => {
              // The page's own WebSocket (a bare name here would be rewritten to the `ws` import).
              const socket = new globalThis.WebSocket(url, "wirekit.v1");
              socket.onopen = () => {
                socket.close();
                resolve("open");
              };
              socket.onclose = (event) => resolve(`closed ${event.code}`);
            }),
          chatUrl,
        );
      expect(await attempt(page)).toBe("open");
      await page.goto(`http://127.0.0.1:${port}/`);
      expect(await attempt(page)).toBe("closed 1006");
      await page.context().close();

      // What the browser cannot show: the handshake's answer is 403.
      const refused = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(chatUrl, "wirekit.v1", { origin: "https://evil.example" });
        socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
        socket.on("open", () => reject(new Error("a foreign origin was let in")));
        socket.on("error", reject);
      });
      expect(refused).toBe(403);
    } finally {
      await new Promise<void>((resolve) => foreign.close(() => resolve()));
    }
  });
});
