// The dashboard tests' browser: Debian's chromium driven headless by playwright-core (no browser download).
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where CI finds the screenshots (artifacts of the run): test-artifacts/ in the repository. */
export const ARTIFACTS = process.env.TSWARM_ARTIFACTS ?? join(resolve(fileURLToPath(import.meta.url), '../../../..'), 'test-artifacts');

/** apt-get install chromium; .ci/run installs it. */
export const CHROMIUM = process.env.TSWARM_CHROMIUM ?? '/usr/bin/chromium';

export const launch = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });

/** A page with every console error and uncaught exception kept (the tests assert there are none), and every URL it asked for. */
export async function openPage(browser: Browser, addr: string, before?: () => void): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  if (before) await page.addInitScript(before);
  await page.goto(`http://${addr}/`);
  return { page, errors, requests };
}

/** How long until fn holds in the page, in ms, checked every frame (fails after `ms`). */
export async function within(page: Page, ms: number, fn: (arg: string) => boolean, arg = ''): Promise<number> {
  const t0 = Date.now();
  await page.waitForFunction(fn, arg, { timeout: ms, polling: 'raf' });
  return Date.now() - t0;
}
