// An axe-core scan of the page as it is now (WCAG 2.0/2.1/2.2 A and AA, and axe's best practices), at
// desktop and phone widths, with a full-page screenshot of each in test-results/screenshots/ for a human to
// look at: every spec that walks pages scans them with it.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import type { Lang } from './copy.ts';

const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
export const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export const screenshots = resolve('test-results/screenshots');

/**
 * Scans the page at both widths and keeps a screenshot of the whole page at each: `<name>-<lang>-<width>.png`.
 * `notApplicable`: rules that do not apply to what the page is (accessibility.spec.ts's inspectEmail).
 */
export async function inspect(page: Page, lang: Lang, name: string, notApplicable: string[] = []): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  for (const [width, size] of Object.entries(viewports)) {
    // The whole page in one viewport rather than Playwright's fullPage capture, which lays the page out again
    // beyond the viewport while it captures: the email's frame (a process of its own, being sandboxed) came out
    // half painted. Two animation frames let every frame paint at the new size first.
    await page.setViewportSize(size);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: size.width, height: Math.max(size.height, height) });
    await page.evaluate(
      () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(null)))),
    );
    await page.screenshot({ path: `${screenshots}/${name}-${lang}-${width}.png` });
    await page.setViewportSize(size);
    // axe-core is a script, and none runs in a sandboxed frame (the email in the mailbox): a scan that went
    // in would never end. Such frames are left out here and their content scanned on a page of its own.
    const { violations } = await new AxeBuilder({ page })
      .withTags(tags)
      .exclude('iframe[sandbox]')
      .disableRules(notApplicable)
      .analyze();
    const found = violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      targets: nodes.map((node) => node.target.join(' ')),
    }));
    expect.soft(found, `axe-core on "${name}" [${lang}] at ${width} width`).toEqual([]);
  }
  await page.setViewportSize(viewports.desktop);
}
