// The Mermaid graphs cachelens writes (`cachelens graph --format mermaid`, and the one embedded
// in `cachelens diff --format markdown`) are parsed and rendered by the `mermaid` npm package
// (the library GitHub renders Mermaid blocks with) inside the suite's Chromium: every node and
// edge cachelens declares is drawn, for the real BuildKit pairs issue 16 names.
// Mermaid runs in a blank page of its own (no CSP there, nothing fetched); the viewer is not
// involved, so its CSP stays as strict as ever.
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test, expect, screenshotPath } from './helpers';
import { cliBinary, REPO } from './viewer-helpers';

const REAL = path.join(REPO, 'tests', 'fixtures', 'real-buildkit');
const MERMAID = require.resolve('mermaid/dist/mermaid.min.js');

/** The pairs issue 16 names (the CLI's graph tests use the same), and one input alone. */
const INPUTS: string[][] = [
  ['inline-rebuilds/2/config.json', 'inline-rebuilds/3/config.json'],
  ['registry-cache/1/cacheconfig.json', 'registry-cache/2/cacheconfig.json'],
  ['build-args/v1/config.json', 'build-args/v2/config.json'],
  ['wide-rebuilds/2/config.json', 'wide-rebuilds/3/config.json'],
  ['wide-rebuilds/3/config.json'],
];

function run(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The ```mermaid block of a Markdown report. */
function mermaidBlock(markdown: string): string | undefined {
  return /```mermaid\n([\s\S]*?)```/.exec(markdown)?.[1];
}

/** What a Mermaid text declares: node ids (records `n1[...]`, folded groups `n9([...])`) and `from to` edges. */
function declared(text: string): { nodes: string[]; edges: string[] } {
  const nodes = [...text.matchAll(/^\s*(n\d+)[[(]/gm)].map((m) => m[1]);
  // `a --> b` (in both), `a -. left only .-> b`, `a == right only ==> b`.
  const edges = [...text.matchAll(/^\s*(n\d+)\s+(?:-->|-\.[^.]*\.->|==[^=]*==>)\s+(n\d+)\s*$/gm)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  return { nodes, edges };
}

test('cachelens Mermaid graphs parse and render with the mermaid package', async ({ page }) => {
  test.setTimeout(180_000);
  const bin = cliBinary();
  test.skip(!bin, 'the CLI is not built (cargo build -p cachelens-cli)');
  const texts: { what: string; text: string }[] = [];
  for (const files of INPUTS) {
    const full = files.map((f) => path.join(REAL, f));
    const graph = run(bin!, ['graph', '--format', 'mermaid', ...full]);
    expect(graph.status, graph.stderr).toBe(0);
    texts.push({ what: `graph ${files.join(' ')}`, text: graph.stdout });
    if (files.length === 2) {
      const report = run(bin!, ['diff', '--format', 'markdown', ...full]);
      expect([0, 1], report.stderr).toContain(report.status);
      const block = mermaidBlock(report.stdout);
      expect(block, `diff --format markdown ${files.join(' ')} embeds a Mermaid graph`).toBeDefined();
      texts.push({ what: `report ${files.join(' ')}`, text: block! });
    }
  }

  const blank = await page.context().newPage();
  await blank.setContent('<!doctype html><html><head><title>mermaid</title></head><body></body></html>');
  await blank.addScriptTag({ path: MERMAID });
  const drawn = await blank.evaluate(async (all) => {
    const m = (window as unknown as { mermaid: any }).mermaid;
    m.initialize({ startOnLoad: false, securityLevel: 'strict', maxEdges: 5000, maxTextSize: 1_000_000 });
    const out: { what: string; error?: string; nodes: string[]; edges: string[] }[] = [];
    for (const [i, { what, text }] of all.entries()) {
      try {
        await m.parse(text);
        const { svg } = await m.render(`graph${i}`, text);
        // Parsed as HTML, as a page shows it (the labels hold `<br>`, which XML would refuse).
        const doc = document.createElement('div');
        doc.innerHTML = svg;
        const nodes = [...doc.querySelectorAll('g.node')]
          .map((g) => /flowchart-(n\d+)-\d+$/.exec(g.id)?.[1] ?? g.id);
        const edges = [...doc.querySelectorAll('path.flowchart-link')]
          .map((p) => /L_(n\d+)_(n\d+)_\d+$/.exec(p.id))
          .map((x) => (x ? `${x[1]} ${x[2]}` : '?'));
        out.push({ what, nodes, edges });
      } catch (e) {
        out.push({ what, error: String(e), nodes: [], edges: [] });
      }
    }
    return out;
  }, texts);

  expect(drawn).toHaveLength(texts.length);
  for (const [i, d] of drawn.entries()) {
    expect(d.error, d.what).toBeUndefined();
    const want = declared(texts[i].text);
    expect(want.nodes.length, `${d.what}: nodes declared`).toBeGreaterThan(0);
    expect(d.nodes.sort(), `${d.what}: nodes drawn`).toEqual(want.nodes.sort());
    expect(d.edges.sort(), `${d.what}: edges drawn`).toEqual(want.edges.sort());
  }
  // What GitHub would show for the wide pair's report (saved for a person to look at).
  const wide = texts.find((t) => t.what.startsWith('report wide-rebuilds'))!;
  await blank.evaluate(async (text) => {
    const m = (window as unknown as { mermaid: any }).mermaid;
    const { svg } = await m.render('shown', text);
    document.body.innerHTML = svg;
  }, wide.text);
  await expect(blank.locator('svg g.node').first()).toBeVisible();
  await blank.screenshot({ path: screenshotPath('mermaid-report-wide-rebuilds.png'), fullPage: true });
  await blank.close();
});
