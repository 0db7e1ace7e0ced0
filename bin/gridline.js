#!/usr/bin/env node
// Runs the CLI from dist/, compiled by `npm run build` (which `npm ci` runs through `prepare`):
// no TypeScript compiler at run time. GRIDLINE_FROM_SOURCE=1 runs src/ through tsx instead, for
// tests and `npm run dev`, where dist/ may be older than the source.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (process.env.GRIDLINE_FROM_SOURCE === '1' || !existsSync(built)) {
  if (process.env.GRIDLINE_FROM_SOURCE !== '1') {
    process.stderr.write('gridline: dist/ is missing (run `npm run build`); running the TypeScript source through tsx.\n');
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import(built.href));
}
await main(process.argv);
