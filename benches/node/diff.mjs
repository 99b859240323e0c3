// One baseline run: read two JSON files, parse them, diff them with a JavaScript JSON-diff
// library, and print how big the answer is. Used by `cargo xtask bench-compare`.
//
//   node diff.mjs jsondiffpatch|microdiff LEFT.json RIGHT.json
import { readFileSync } from 'node:fs';
import * as jsondiffpatch from 'jsondiffpatch';
import microdiff from 'microdiff';

const [tool, leftPath, rightPath] = process.argv.slice(2);
const left = JSON.parse(readFileSync(leftPath, 'utf8'));
const right = JSON.parse(readFileSync(rightPath, 'utf8'));

let size;
if (tool === 'jsondiffpatch') {
  // Default options: arrays by LCS (jsondiffpatch's own algorithm), no object hash.
  const delta = jsondiffpatch.create().diff(left, right);
  size = delta === undefined ? 0 : JSON.stringify(delta).length;
} else if (tool === 'microdiff') {
  size = microdiff(left, right).length;
} else {
  console.error(`unknown tool ${tool}: jsondiffpatch or microdiff`);
  process.exit(2);
}
console.log(`${tool}: ${size}`);
