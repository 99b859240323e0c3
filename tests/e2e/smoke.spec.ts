// Smoke test: the built viewer loads and renders its root element, at the root URL and
// under a sub-path, with no console errors and no requests to other origins.
import { test, expect } from '@playwright/test';
import { screenshotPath, subpathURL, watchPage } from './helpers';

test.describe('smoke', () => {
  test('renders the app at the root URL', async ({ page }) => {
    const watch = watchPage(page);
    await page.goto('/');
    await expect(page.getByTestId('app')).toBeVisible();
    await page.screenshot({ path: screenshotPath('smoke-empty.png'), fullPage: true });
    watch.expectClean();
  });

  test('renders the app under a sub-path', async ({ page }) => {
    const watch = watchPage(page);
    const url = subpathURL();
    await page.goto(url);
    await expect(page.getByTestId('app')).toBeVisible();
    // Every asset came from under the sub-path, none from the root (relative URLs).
    const assets = watch.requests.filter((r) => r.resourceType !== 'document');
    const outside = assets.filter((r) => !r.url.startsWith(url) && !r.url.startsWith('data:'));
    expect(outside.map((r) => r.url), 'assets loaded from outside the sub-path').toEqual([]);
    await page.screenshot({ path: screenshotPath('smoke-empty-subpath.png'), fullPage: true });
    watch.expectClean();
  });
});
