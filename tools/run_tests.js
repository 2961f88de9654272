#!/usr/bin/env node
// The test command: runs every *.test.js under the given directories (default: dist) with
// `node --test`, naming the files explicitly. Arguments starting with "-" go to `node --test` as
// they are, in the --name=value form (--test-reporter=spec, --test-name-pattern=...); the others
// are directories to search.
//
// Why not `node --test dist/`: Node 20 searches a directory argument for test files, but from
// Node 21 the arguments are glob patterns, so "dist/" matches only the directory itself, which
// Node then loads as a module and fails with MODULE_NOT_FOUND (nodejs/node#50219). A quoted glob
// ("dist/**/*.test.js") works there but not on Node 20, which does not expand patterns. A list of
// files means the same thing on every Node that `engines` accepts (>= 20).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Every *.test.js file under `dir`, node_modules excluded, in a stable order. */
function testFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') out.push(...testFiles(p));
    else if (e.isFile() && e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const args = process.argv.slice(2);
const options = args.filter((a) => a.startsWith('-'));
const dirs = args.filter((a) => !a.startsWith('-'));
const files = (dirs.length > 0 ? dirs : ['dist']).flatMap(testFiles);
if (files.length === 0) {
  console.error(`run_tests: no *.test.js files under ${dirs.join(', ') || 'dist'} (run the build first)`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', ...options, ...files], { stdio: 'inherit' });
if (r.error) throw r.error;
process.exit(r.status ?? 1);
