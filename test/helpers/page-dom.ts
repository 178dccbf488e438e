/**
 * Driving a page through its DOM the same way in every engine (test/helpers/engines.ts): what a
 * user sees and does, as the demo tests read and press it.
 */
import type { EnginePage as Page } from './engines';

/** Whether the element is rendered and not hidden. */
export const isVisible = (page: Page, selector: string) =>
  page.evaluate((sel: string) => {
    const el = document.querySelector(sel);
    return !!el && getComputedStyle(el).visibility !== 'hidden' && el.getClientRects().length > 0;
  }, selector);

/** Types `value` into a field as a user would: value, then `input` and `change` events. */
export const fill = (page: Page, selector: string, value: string) =>
  page.evaluate(
    ([sel, v]: [string, string]) => {
      const el = document.querySelector(sel) as HTMLInputElement | null;
      if (!el) throw new Error(`no field ${sel}`);
      el.focus();
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    [selector, value],
  );

/** Clicks the element, as a user's click does. */
export const click = (page: Page, selector: string) =>
  page.evaluate((sel: string) => {
    const el = document.querySelector(sel) as HTMLElement | null;
    if (!el) throw new Error(`no element ${sel}`);
    el.click();
  }, selector);
