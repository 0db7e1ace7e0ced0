import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDataDir } from '../../../src/config/data-dir.js';

describe('resolveDataDir', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'gl-dd-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const project = path.join(root, 'install');

  it('takes GRIDLINE_DATA_DIR, relative to the working folder', () => {
    expect(resolveDataDir('./mine', path.join(root, 'a'), project)).toEqual({ dir: path.join(root, 'a', 'mine'), source: 'env' });
  });

  it('finds the nearest data folder holding a store, from the working folder up', () => {
    mkdirSync(path.join(root, 'proj', 'data', 'pglite'), { recursive: true });
    mkdirSync(path.join(root, 'proj', 'sub', 'deeper'), { recursive: true });
    // An empty data/ on the way holds no store and is passed over.
    mkdirSync(path.join(root, 'proj', 'sub', 'data'), { recursive: true });
    expect(resolveDataDir(undefined, path.join(root, 'proj', 'sub', 'deeper'), project)).toEqual({ dir: path.join(root, 'proj', 'data'), source: 'found' });
  });

  it('falls back to the installation’s own data folder, not one in the working folder', () => {
    mkdirSync(path.join(root, 'elsewhere'), { recursive: true });
    expect(resolveDataDir(undefined, path.join(root, 'elsewhere'), project)).toEqual({ dir: path.join(project, 'data'), source: 'project' });
  });
});
