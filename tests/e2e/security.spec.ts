// Hostile input: strings that would run code if they reached the DOM as HTML (a script tag, an
// image with an onerror handler, a javascript: URL) sit inside config values and labels. They
// must be shown as text, never executed, and no request may leave the origin.
import { test, expect, screenshotPath } from './helpers';
import { paste } from './viewer-helpers';

const payloads = [
  '<script>window.__pwned = "script"</script>',
  '<img src=x onerror="window.__pwned = \'img\'">',
  'javascript:window.__pwned="url"',
  '"><svg onload="window.__pwned=\'svg\'">',
];

function config(env: string[], labels: Record<string, string>): string {
  return JSON.stringify({
    architecture: 'amd64',
    config: { Env: env, Labels: labels },
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
  });
}

test('hostile strings in configs are shown as text and never run', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto('./');
  const left = config(['A=1'], { 'org.example': 'safe' });
  const right = config(
    payloads.map((p, i) => `X${i}=${p}`),
    Object.fromEntries(payloads.map((p, i) => [`label${i}${p}`, p])),
  );
  await paste(page, 'left', left);
  await paste(page, 'right', right);
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-verdict', 'different');
  // The payloads appear as text in the changes list...
  const changes = page.getByTestId('change');
  await expect(changes.first()).toBeVisible();
  const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
  expect(text).toContain('<script>window.__pwned');
  expect(text).toContain('onerror=');
  // ...and nothing ran or became an element.
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  await expect(page.locator('main script')).toHaveCount(0);
  await expect(page.locator('main img')).toHaveCount(0);
  await expect(page.locator('main svg[onload]')).toHaveCount(0);
  await expect(page.locator('a[href^="javascript:"]')).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('hostile.png'), fullPage: true });
});

test('a share link whose data holds hostile strings opens as text', async ({ page }) => {
  await page.goto('./');
  await paste(page, 'left', config(['A=1'], {}));
  await paste(page, 'right', config([`A=${payloads[0]}`], { x: payloads[1] }));
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-verdict', 'different');
  // Share without redaction, then open the link.
  const redact = page.getByTestId('share-redact');
  if (await redact.isChecked()) await redact.uncheck();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toContain('#v2.');
  const reader = await page.context().newPage();
  await reader.goto(link);
  await expect(reader.getByTestId('verdict')).toHaveAttribute('data-verdict', 'different');
  expect(await reader.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  await expect(reader.locator('main script')).toHaveCount(0);
  await expect(reader.locator('main img')).toHaveCount(0);
  await reader.close();
});
