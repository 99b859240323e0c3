// Helpers for the viewer specs: the scenario pairs, the answer the CLI gives for each (or the
// scenario's expect.json when the CLI is not built), and small page actions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { expect, type Page } from '@playwright/test';

export const REPO = path.resolve(__dirname, '..', '..');
export const SCENARIOS = path.join(REPO, 'tests', 'fixtures', 'scenarios');

/** One scenario folder: left.json, right.json, expect.json. */
export interface Scenario {
  name: string;
  left: string;
  right: string;
  expect: Record<string, unknown>;
}

/** Every scenario folder, in name order. */
export function scenarios(): Scenario[] {
  return fs
    .readdirSync(SCENARIOS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(SCENARIOS, d.name, 'expect.json')))
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      left: path.join(SCENARIOS, name, 'left.json'),
      right: path.join(SCENARIOS, name, 'right.json'),
      expect: JSON.parse(fs.readFileSync(path.join(SCENARIOS, name, 'expect.json'), 'utf8')),
    }));
}

/** What the viewer must show for a scenario. */
export interface Expected {
  /** Where the expectation came from. */
  source: 'cli' | 'expect.json';
  /** An input could not be read (exit 2): an error, no verdict. */
  error: boolean;
  /** The verdict, when known. */
  verdict?: 'identical' | 'equivalent' | 'different';
  /** Exact number of changes (from the CLI). */
  changes?: number;
  minChanges?: number;
  maxChanges?: number;
  /** Text a warning or error must mention. */
  mentions?: string;
}

/** The CLI binary, if built (release preferred). */
export function cliBinary(): string | undefined {
  const exe = process.platform === 'win32' ? 'cachelens.exe' : 'cachelens';
  return ['release', 'debug']
    .map((p) => path.join(REPO, 'target', p, exe))
    .find((p) => fs.existsSync(p));
}

/** The expected answer: from `cachelens diff --format json` when the CLI is built, else expect.json. */
export function expected(s: Scenario): Expected {
  const mentions = (s.expect.warning as string | undefined) ?? (s.expect.stderr_has as string | undefined);
  const cli = cliBinary();
  if (cli) {
    const run = spawnSync(cli, ['diff', '--format', 'json', s.left, s.right], { encoding: 'utf8' });
    if (run.status === 2) return { source: 'cli', error: true, mentions };
    if (run.status === 0 || run.status === 1) {
      try {
        const report = JSON.parse(run.stdout);
        return { source: 'cli', error: false, verdict: report.verdict, changes: report.changes.length, mentions };
      } catch {
        // Not the JSON contract (an older CLI?): fall back to expect.json below.
      }
    }
    // Anything else: the CLI is broken or a different version; fall back to expect.json.
  }
  const e = s.expect;
  const exit = e.exit as number | undefined;
  return {
    source: 'expect.json',
    error: exit === 2,
    verdict: e.verdict as Expected['verdict'],
    minChanges: e.min_changes as number | undefined,
    maxChanges: e.max_changes as number | undefined,
    mentions,
  };
}

/** sha256 of bytes as `sha256:<hex>`. */
export function sha256(bytes: Buffer | string): string {
  return 'sha256:' + crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Pastes text into a pane's textarea. */
export async function paste(page: Page, side: 'left' | 'right', text: string): Promise<void> {
  await page.getByTestId(`${side}-input`).fill(text);
}

/** Clicks the example button whose id is `id`, and waits for its verdict. */
export async function loadExample(page: Page, id: string): Promise<void> {
  await page.locator(`[data-testid="example"][data-example="${id}"]`).click();
  await expect(page.getByTestId('left-name')).toHaveText(`${id}/left.json`);
  await expect(page.getByTestId('verdict')).toBeVisible();
}

/** Waits for the verdict to be `verdict`. */
export async function expectVerdict(page: Page, verdict: string): Promise<void> {
  const banner = page.getByTestId('verdict');
  await expect(banner).toHaveAttribute('data-verdict', verdict);
  await expect(banner).toContainText(new RegExp(verdict, 'i'));
  await expect(banner).toHaveAttribute('aria-busy', 'false');
}

/**
 * The v2 share format's deflate dictionary (`DICTIONARY` in crates/core/src/share/v2.rs), read
 * from the source: v2 links and bundles inflate with it (`zlib.inflateRawSync(data, { dictionary })`).
 */
export function shareDictionary(): Buffer {
  const src = fs.readFileSync(path.join(REPO, 'crates', 'core', 'src', 'share', 'v2.rs'), 'utf8');
  const m = /pub\(super\) const DICTIONARY: &\[u8\] = b"([\s\S]*?)";\n/.exec(src);
  if (!m) throw new Error('DICTIONARY not found in v2.rs');
  const bytes: number[] = [];
  const lit = m[1]!;
  for (let i = 0; i < lit.length; i++) {
    const c = lit[i]!;
    if (c !== '\\') {
      bytes.push(c.charCodeAt(0));
      continue;
    }
    const n = lit[++i]!;
    if (n === 'x') {
      bytes.push(parseInt(lit.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (n === '\n') {
      while (lit[i + 1] === ' ') i++; // a line continuation skips the next line's indent
    } else {
      bytes.push(n.charCodeAt(0));
    }
  }
  return Buffer.from(bytes);
}

/**
 * Fails, saying why, when the page was built without the series mode (web/Cargo.toml's
 * `series` feature, on by default: `--no-default-features` leaves it out), rather than letting
 * every series test fail on a missing button.
 */
export async function expectSeriesMode(page: Page): Promise<void> {
  await page.goto('./');
  await expect(page.getByTestId('app')).toBeVisible();
  expect(
    await page.getByTestId('mode-series').count(),
    'the page is built without the series mode (web feature `series`)',
  ).toBe(1);
}
