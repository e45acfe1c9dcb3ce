#!/usr/bin/env node
// YARA-X as a third contestant in bench/run, through the npm package @litko/yara-x (a Node.js
// binding of YARA-X; the platform part is @litko/yara-x-linux-x64-gnu). Not part of the
// build or of `make test`: bench/run uses it only where it is installed (see its --yara-x).
//
//   node yarax_scan.js --check [-d name=value]... RULEFILE...
//       prints the rule files YARA-X compiles on their own, one per line
//   node yarax_scan.js [--threads N] [-d name=value]... RULEFILE... TARGET_DIR
//       compiles the files as one source, scans every file under TARGET_DIR (following
//       symbolic links) and prints `rule path` per match, as yara does.
//
// The module is found through NODE_PATH (bench/run sets it).
'use strict';
const fs = require('fs');
const path = require('path');
const yx = require('@litko/yara-x');

function parseArgs(argv) {
  const out = { check: false, threads: 1, vars: {}, rest: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--check') out.check = true;
    else if (a === '--threads') out.threads = parseInt(argv[++i], 10);
    else if (a === '-d') {
      const [k, ...v] = argv[++i].split('=');
      out.vars[k] = v.join('=');
    } else out.rest.push(a);
  }
  return out;
}

function* walk(dir) {
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) yield* walk(p);
    else if (st.isFile()) yield p;
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const options = { defineVariables: args.vars };
  if (args.check) {
    for (const f of args.rest) {
      try {
        const r = yx.validate(fs.readFileSync(f, 'utf8'), options);
        if (!r.errors || r.errors.length === 0) console.log(f);
      } catch (e) {
        // rejected: not listed
      }
    }
    return;
  }
  const target = args.rest.pop();
  const source = args.rest.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  const rules = yx.compile(source, options);
  const files = [...walk(target)];
  let next = 0;
  const lines = [];
  async function worker() {
    while (next < files.length) {
      const f = files[next++];
      try {
        for (const m of await rules.scanFileAsync(f)) lines.push(`${m.ruleIdentifier} ${f}`);
      } catch (e) {
        process.stderr.write(`error scanning ${f}: ${e.message}\n`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, args.threads) }, worker));
  process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
}

main().catch((e) => {
  process.stderr.write(`yarax_scan: ${e.message}\n`);
  process.exit(1);
});
