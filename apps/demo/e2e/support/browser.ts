import type { Page } from "playwright-core";
import { expect } from "vitest";
import { PATIENCE } from "../../../../test/patience.js";

export { launchChromium } from "../../../../scripts/chromium.js";

/** Waits (on the page, never a sleep) until its `role="status"` shows `status`. */
export async function untilStatus(page: Page, status: string, timeout = PATIENCE): Promise<void> {
  await expect
    .poll(() => page.getByRole("status").first().getAttribute("data-status"), { timeout })
    .toBe(status);
}

/** A number the page shows under `data-testid`. */
export async function shown(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).textContent());
}

/**
 * The visibility override that works in headless Chromium (TOOLCHAIN.md): CDP leaves
 * `visibilityState` as "visible", so the page is told otherwise and the event is dispatched.
 */
export function setHidden(page: Page, hidden: boolean): Promise<void> {
  return page.evaluate((hide) => {
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get: () => (hide ? "hidden" : "visible"),
    });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hide });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

/** For `page.addInitScript`: the page loads hidden, as a tab opened in the background. */
export function startHidden(): void {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
}

/** The ids a list shows in `data-id`, as numbers, ascending. */
export async function idsIn(page: Page, selector: string): Promise<number[]> {
  const ids = await page
    .locator(`${selector} [data-id]`)
    .evaluateAll((items) => items.map((item) => Number(item.getAttribute("data-id"))));
  return ids.sort((a, b) => a - b);
}

/** Whether `ids` run from their first to their last with none missing and none twice. */
export function contiguous(ids: readonly number[]): boolean {
  return ids.every((id, index) => index === 0 || id === (ids[index - 1] as number) + 1);
}
