// Shared helpers for the cachelens end-to-end specs: watch a page for console errors,
// page errors, failed requests and requests to other origins, and save screenshots.
import * as path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

/** Where specs save screenshots (gitignored). */
export const SCREENSHOTS_DIR = path.join(__dirname, 'screenshots');

/** The URL at which dist/ is also served under a sub-path (set by `cargo xtask test`). */
export function subpathURL(): string {
  return process.env.CACHELENS_SUBPATH_URL ?? 'http://127.0.0.1:8080/some/sub/path/';
}

/** Path of a screenshot file in `screenshots/`. */
export function screenshotPath(name: string): string {
  return path.join(SCREENSHOTS_DIR, name);
}

/** One request the page made. */
export interface RecordedRequest {
  method: string;
  url: string;
  resourceType: string;
}

/** Collects console errors and uncaught page errors, from the moment it is called. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const where = msg.location();
      errors.push(`console.error: ${msg.text()} (${where.url}:${where.lineNumber})`);
    }
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.stack ?? err.message}`));
  return errors;
}

/** Records every request the page makes, and every request that failed or got an HTTP error. */
export function recordRequests(page: Page): { requests: RecordedRequest[]; failures: string[] } {
  const requests: RecordedRequest[] = [];
  const failures: string[] = [];
  page.on('request', (req) =>
    requests.push({ method: req.method(), url: req.url(), resourceType: req.resourceType() }),
  );
  page.on('requestfailed', (req) =>
    failures.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText ?? 'failed'}`),
  );
  page.on('response', (res) => {
    if (res.status() >= 400) failures.push(`${res.request().method()} ${res.url()}: HTTP ${res.status()}`);
  });
  return { requests, failures };
}

/** Requests that went to an origin other than `pageUrl`'s (data:, blob: and about: never leave the page). */
export function foreignRequests(requests: RecordedRequest[], pageUrl: string): RecordedRequest[] {
  const origin = new URL(pageUrl).origin;
  return requests.filter((r) => {
    const url = new URL(r.url);
    if (['data:', 'blob:', 'about:'].includes(url.protocol)) return false;
    return url.origin !== origin;
  });
}

/** Everything a spec wants to check about a page once it has done its work. */
export interface PageWatch {
  errors: string[];
  requests: RecordedRequest[];
  failures: string[];
  /** Fails the test on any console/page error, failed request, or request to another origin. */
  expectClean(): void;
}

/** Starts watching `page`; call before `page.goto`. */
export function watchPage(page: Page): PageWatch {
  const errors = collectConsoleErrors(page);
  const { requests, failures } = recordRequests(page);
  return {
    errors,
    requests,
    failures,
    expectClean() {
      expect(errors, 'console errors and page errors').toEqual([]);
      expect(failures, 'failed requests').toEqual([]);
      const foreign = foreignRequests(requests, page.url()).map((r) => `${r.method} ${r.url}`);
      expect(foreign, `requests to origins other than ${new URL(page.url()).origin}`).toEqual([]);
      if (page.url() !== 'about:blank') {
        expect(requests.length, 'the page made requests (the recorder works)').toBeGreaterThan(0);
      }
    },
  };
}

/**
 * Playwright's `test`, with a `watch` fixture that is on for every test: it starts watching
 * the page before the test and, after it (even a failed one), fails on any console error,
 * page error, failed request or request to another origin. Specs import `test` from here.
 */
export const test = base.extend<{ watch: PageWatch }>({
  watch: [
    async ({ page }, use) => {
      const watch = watchPage(page);
      await use(watch);
      watch.expectClean();
    },
    { auto: true },
  ],
});

export { expect };
