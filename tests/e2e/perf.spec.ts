// Browser timing of the viewer on generated BuildKit cache pairs (benches/README.md says what
// each number isolates; benches/RESULTS.md records them). These are measurements, not timed
// tests: the spec fails only when the viewer gives no verdict, a wrong one, or an unbounded
// DOM, and prints the times.
//
// The inputs are large, so they are not generated here: `cargo xtask bench-compare` (or
// `cargo run --profile release-native -p cachelens-core --example bench_inputs --
// target/bench-inputs 10000`) writes them to target/bench-inputs/. Without them every test
// here skips, so `cargo xtask test` stays fast; the 82 MB pair also needs CACHELENS_PERF_LARGE=1.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, expect } from './helpers';

const INPUTS = path.resolve(__dirname, '..', '..', 'target', 'bench-inputs');

/** The left and right files of a generated pair, if written. */
function pair(name: string): { left: string; right: string; bytes: number } | undefined {
  const left = path.join(INPUTS, `${name}-left.json`);
  const right = path.join(INPUTS, `${name}-right.json`);
  if (!fs.existsSync(left) || !fs.existsSync(right)) return undefined;
  return { left, right, bytes: fs.statSync(left).size + fs.statSync(right).size };
}

/** What one run measured, in milliseconds of the page's clock (`performance.now()`). */
interface Timing {
  /** From the first file's `change` event (both inputs still to read and analyse) to the first frame showing the verdict. */
  fromFirstInput: number;
  /** From the second file's `change` event to the first frame showing the verdict. */
  fromLastInput: number;
  /** The longest main-thread task from the first input on (PerformanceObserver `longtask`, ≥ 50 ms). */
  longestTask: number;
  /** Long tasks (≥ 50 ms) from the first input on. */
  longTasks: number;
  /** Elements in the document once the verdict is shown. */
  elements: number;
  verdict: string | null;
}

/**
 * Loads both files through the panes' file inputs and measures in the page: observers are
 * installed before the first file arrives; the verdict counts as on screen at the start of the
 * first frame after `[data-testid=verdict]` shows a settled verdict (`aria-busy="false"`).
 */
async function measure(page: import('@playwright/test').Page, p: { left: string; right: string }): Promise<Timing> {
  await page.goto('./');
  await expect(page.getByTestId('left-file')).toBeAttached();
  await page.evaluate(() => {
    const perf = {
      inputs: [] as number[],
      tasks: [] as { start: number; duration: number }[],
      verdictAt: 0,
    };
    (window as unknown as { __perf: typeof perf }).__perf = perf;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) perf.tasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    document.addEventListener(
      'change',
      (e) => {
        if ((e.target as HTMLInputElement).type === 'file') {
          perf.inputs.push(performance.now());
          performance.mark(`input-${perf.inputs.length}`);
        }
      },
      true,
    );
    const settled = () => {
      const v = document.querySelector('[data-testid="verdict"][data-verdict]');
      return v !== null && v.getAttribute('aria-busy') !== 'true';
    };
    const watch = new MutationObserver(() => {
      if (perf.inputs.length < 2 || perf.verdictAt || !settled()) return;
      watch.disconnect();
      // The first frame that shows the verdict: its rAF callbacks run right before it is
      // rendered and painted. (Not a task queued from rAF: the viewer queues its document
      // layout the same way, and would be timed too.)
      requestAnimationFrame(() => {
        perf.verdictAt = performance.now();
        performance.mark('verdict-frame');
      });
    });
    watch.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  await page.getByTestId('left-file').setInputFiles(p.left);
  await page.getByTestId('right-file').setInputFiles(p.right);
  await page.waitForFunction(() => (window as unknown as { __perf: { verdictAt: number } }).__perf.verdictAt > 0, null, {
    timeout: 0,
    polling: 100,
  });
  return page.evaluate(() => {
    const perf = (window as unknown as {
      __perf: { inputs: number[]; tasks: { start: number; duration: number }[]; verdictAt: number };
    }).__perf;
    const first = perf.inputs[0];
    const tasks = perf.tasks.filter((t) => t.start + t.duration >= first);
    return {
      fromFirstInput: perf.verdictAt - first,
      fromLastInput: perf.verdictAt - perf.inputs[perf.inputs.length - 1],
      longestTask: Math.max(0, ...tasks.map((t) => t.duration)),
      longTasks: tasks.length,
      elements: document.getElementsByTagName('*').length,
      verdict: document.querySelector('[data-testid="verdict"]')?.getAttribute('data-verdict') ?? null,
    };
  });
}

function report(name: string, bytes: number, t: Timing): void {
  const line =
    `${name} (${(bytes / 1e6).toFixed(1)} MB pair): verdict ${t.verdict} on screen (frame start) ` +
    `${t.fromFirstInput.toFixed(0)} ms after the first input, ${t.fromLastInput.toFixed(0)} ms after the second; ` +
    `longest task ${t.longestTask.toFixed(0)} ms (${t.longTasks} long tasks); ${t.elements} elements`;
  console.log(`perf: ${line}`);
  test.info().annotations.push({ type: 'perf', description: line });
}

test.describe('perf', () => {
  // One at a time: two workers would time each other.
  test.describe.configure({ mode: 'serial' });

  // [pair, minutes allowed, needs CACHELENS_PERF_LARGE=1]: the 82 MB pair takes a minute or
  // more, so it runs only when asked for, even where the inputs exist.
  for (const [name, minutes, large] of [
    ['inline-10000', 2, false],
    ['registry-10000', 2, false],
    ['inline-100000', 10, true],
  ] as const) {
    test(`${name}: time to verdict and longest task`, async ({ page }) => {
      const p = pair(name);
      test.skip(
        !p,
        `no ${name}-{left,right}.json in target/bench-inputs: run \`cargo xtask bench-compare\` first (see benches/README.md)`,
      );
      test.skip(large && process.env.CACHELENS_PERF_LARGE !== '1', `${name} runs only with CACHELENS_PERF_LARGE=1`);
      if (!p) return;
      test.setTimeout(minutes * 60_000);
      const t = await measure(page, p);
      report(name, p.bytes, t);
      // Each pair is the same cache renumbered plus two real changes.
      expect(t.verdict).toBe('different');
      // The DOM of a huge diff stays bounded (the viewer pages changes and folds lines).
      expect(t.elements).toBeLessThan(20_000);
    });
  }
});
