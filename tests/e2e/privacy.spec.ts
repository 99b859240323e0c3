// Privacy and offline: through a whole session (examples, pasting, uploading, options, views)
// no request leaves the page's origin, the CSP is in place and nothing needs an exception to it
// (no inline scripts or styles, no fonts, no external images); the same dist/ works under a
// sub-path.
import * as fs from 'node:fs';
import { test, expect, subpathURL } from './helpers';
import { scenarios, loadExample, paste, expectVerdict } from './viewer-helpers';

test.describe('privacy', () => {
  test('a whole session stays on the origin', async ({ page, context }) => {
    const requests: string[] = [];
    const resourceTypes = new Set<string>();
    page.on('request', (r) => {
      requests.push(r.url());
      resourceTypes.add(r.resourceType());
    });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.goto('./');
    const origin = new URL(page.url()).origin;

    // The CSP meta tag is there and strict.
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');

    // The flow: every example, a paste, an upload, options, views, copy.
    for (const b of await page.getByTestId('example').all()) {
      await b.click();
      await expect(page.getByTestId('verdict')).toBeVisible();
    }
    const [s] = scenarios().filter((x) => x.name === 'bad-base64');
    await paste(page, 'left', fs.readFileSync(s.left, 'utf8'));
    await page.getByTestId('right-file').setInputFiles(s.right);
    await expectVerdict(page, 'different');
    await page.getByTestId('option-ignore-timestamps').check();
    await page.getByTestId('option-ignore-cache').check();
    await page.getByTestId('option-raw').check();
    await page.getByTestId('layout-unified').check();
    await page.locator('.pane').first().getByRole('button', { name: 'Copy left digest' }).click();
    await expect(page.locator('.copy.copied').first()).toBeVisible();

    const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
    expect(foreign, 'requests to other origins').toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    expect([...resourceTypes].filter((t) => ['font', 'image', 'media', 'websocket', 'eventsource'].includes(t))).toEqual([]);
    expect(violations, 'CSP violations').toEqual([]);

    // Nothing in the DOM needs an exception to the CSP or reaches out.
    expect(await page.locator('script:not([src])').count(), 'inline scripts').toBe(0);
    expect(await page.locator('style').count(), 'inline <style> blocks').toBe(0);
    expect(await page.locator('[style]').count(), 'style attributes').toBe(0);
    // Links to upstream issues are navigations the user may choose, never loaded by the page.
    const urls = await page.evaluate(() =>
      [...document.querySelectorAll('[src], [href]')]
        .filter((e) => !(e.tagName === 'A' && (e.getAttribute('href') ?? '').startsWith('https://github.com/')))
        .map((e) => e.getAttribute('src') ?? e.getAttribute('href') ?? ''),
    );
    expect(urls.filter((u) => /^(https?:)?\/\//.test(u)), 'absolute URLs in the page').toEqual([]);
    expect(await page.locator('a[href^="https://github.com/"]:not([rel="noopener noreferrer"])').count()).toBe(0);
  });

  test('the same dist/ works under a sub-path', async ({ page, watch }) => {
    test.skip(!process.env.CACHELENS_SUBPATH_URL, 'CACHELENS_SUBPATH_URL is not set');
    const url = subpathURL();
    await page.goto(url);
    await loadExample(page, 'chains-vanish');
    await expectVerdict(page, 'different');
    const outside = watch.requests
      .filter((r) => r.resourceType !== 'document' && !r.url.startsWith('data:'))
      .filter((r) => !r.url.startsWith(url))
      .map((r) => r.url);
    expect(outside, 'assets loaded from outside the sub-path').toEqual([]);
  });
});
