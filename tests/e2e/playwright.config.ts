// Playwright configuration for the cachelens end-to-end tests.
// Run through `cargo xtask test` (it builds dist/, serves it and sets the URLs below);
// see README.md. Uses Debian's Chromium: Playwright never downloads a browser here.
import { defineConfig, devices } from '@playwright/test';

// Defaults match `cargo xtask serve` (port 8080, also under /some/sub/path/).
export const baseURL = process.env.CACHELENS_BASE_URL ?? 'http://127.0.0.1:8080/';
export const subpathURL = process.env.CACHELENS_SUBPATH_URL ?? 'http://127.0.0.1:8080/some/sub/path/';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  fullyParallel: true,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  use: {
    baseURL,
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          // Without the networking flags Chromium keeps trying to reach the internet,
          // which this machine refuses. (No --user-data-dir: Playwright makes a fresh one.)
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
});
