// The committed migrations describe the schema exactly: drizzle-kit finds nothing to generate.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('migrations', () => {
  it('match src/store/schema.ts (run npm run db:generate after changing the schema)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gl-drift-'));
    try {
      cpSync('drizzle', path.join(dir, 'drizzle'), { recursive: true });
      const before = readdirSync(path.join(dir, 'drizzle')).sort();
      const config = path.join(dir, 'drizzle.config.ts');
      writeFileSync(
        config,
        `export default { dialect: 'postgresql', schema: '${path.resolve('src/store/schema.ts')}', out: '${path.relative(process.cwd(), path.join(dir, 'drizzle'))}', schemaFilter: ['gridline'] };\n`,
      );
      const out = execFileSync('npx', ['drizzle-kit', 'generate', '--config', config], { encoding: 'utf8' });
      expect(out).toContain('No schema changes');
      expect(readdirSync(path.join(dir, 'drizzle')).sort()).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
