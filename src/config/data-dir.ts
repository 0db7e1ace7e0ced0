// Where the embedded store lives when GRIDLINE_DATA_DIR is not set. `npm start` keeps it in the
// project's `data/`; the CLI run from another folder must find that one, not start a new store.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder gridline is installed in (where `npm start` runs). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type DataDirSource = 'env' | 'found' | 'project';

/** A folder that holds a store: its database, or a running service's address. */
export function holdsStore(dir: string): boolean {
  return existsSync(path.join(dir, 'pglite')) || existsSync(path.join(dir, 'service.json'));
}

/**
 * GRIDLINE_DATA_DIR when set; else the nearest `data/` holding a store, from `cwd` up; else the
 * project's own `data/` (found or not: `serve` and `import` create it there).
 */
export function resolveDataDir(setting: string | undefined, cwd: string, packageRoot = PACKAGE_ROOT): { dir: string; source: DataDirSource } {
  if (setting) return { dir: path.resolve(cwd, setting), source: 'env' };
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (holdsStore(path.join(dir, 'data'))) return { dir: path.join(dir, 'data'), source: 'found' };
    if (path.dirname(dir) === dir) break;
  }
  return { dir: path.join(path.resolve(packageRoot), 'data'), source: 'project' };
}
