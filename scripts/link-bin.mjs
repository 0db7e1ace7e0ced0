// After `npm ci`: node_modules/.bin/gridline → bin/gridline.js, so `npx gridline` finds the CLI in
// the local bin folder and runs it at once. (With a "bin" field on the project itself, npm 11's
// npx instead links the project into its own cache and reads the whole node_modules tree first:
// two seconds before the CLI starts.)
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';

const dir = 'node_modules/.bin';
const link = `${dir}/gridline`;
if (existsSync('node_modules')) {
  mkdirSync(dir, { recursive: true });
  try {
    if (lstatSync(link)) rmSync(link);
  } catch {
    // not there yet
  }
  symlinkSync('../../bin/gridline.js', link);
}
