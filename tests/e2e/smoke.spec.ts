// Smoke test: the built viewer loads and renders its root element, at the root URL and
// under a sub-path. The `watch` fixture (helpers.ts) fails the test on any console error,
// page error, failed request, or request to another origin.
import { test, expect, screenshotPath, subpathURL } from './helpers';

test.describe('smoke', () => {
  test('renders the app at the root URL', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('app')).toBeVisible();
    await page.screenshot({ path: screenshotPath('smoke-empty.png'), fullPage: true });
  });

  test('renders the app under a sub-path', async ({ page, watch }) => {
    const url = subpathURL();
    await page.goto(url);
    await expect(page.getByTestId('app')).toBeVisible();
    // Relative URLs: every asset comes from under the sub-path, none from the root.
    const outside = watch.requests
      .filter((r) => r.resourceType !== 'document' && !r.url.startsWith('data:'))
      .filter((r) => !r.url.startsWith(url))
      .map((r) => r.url);
    expect(outside, 'assets loaded from outside the sub-path').toEqual([]);
    await page.screenshot({ path: screenshotPath('smoke-empty-subpath.png'), fullPage: true });
  });
});
