// The folder rules of .dependency-cruiser.cjs, run by the real dependency-cruiser: each rule issue
// 16 added fails on a tiny violating tree under test/fixtures/deps-rules/, and src/ keeps to all.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type IReporterOutput } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures/deps-rules');
const config = createRequire(import.meta.url)(path.join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden']; options: ICruiseOptions };

/** The rules broken when `src` under `baseDir` is cruised with the project's rules, as `rule from → to`. */
async function violations(baseDir: string): Promise<string[]> {
  const { tsConfig: _projectTsConfig, ...options } = config.options;
  const result: IReporterOutput = await cruise(['src'], { ...options, baseDir, validate: true, ruleSet: { forbidden: config.forbidden } }, { extensions: ['.ts', '.js'] });
  if (typeof result.output === 'string') throw new Error('expected a cruise result');
  // Every import of ours must have been followed, or a rule could pass by not seeing it.
  const unresolved = result.output.modules.flatMap((m) => m.dependencies.filter((d) => d.couldNotResolve && d.module.startsWith('.')).map((d) => `${m.source} → ${d.module}`));
  expect(unresolved).toEqual([]);
  expect(result.output.summary.totalCruised).toBeGreaterThan(baseDir === ROOT ? 200 : 1);
  return result.output.summary.violations.map((v) => `${v.rule.name} ${v.from} → ${v.to}`);
}

describe('the folder rules', () => {
  it('refuse a channel calling a service', async () => {
    expect(await violations(path.join(FIXTURES, 'channel-calls-service'))).toEqual(['channels-never-call-services src/channels/acme/front-door.ts → src/services/inbox.ts']);
  });

  it('refuse one adapter folder importing another', async () => {
    expect(await violations(path.join(FIXTURES, 'adapter-imports-adapter'))).toEqual(['adapters-keep-to-their-folder src/channels/acme/channel.ts → src/channels/other/render.ts']);
  });

  it('let an adapter use its own folder and the files shared directly in src/channels/', async () => {
    expect(await violations(path.join(FIXTURES, 'adapter-uses-shared'))).toEqual([]);
  });

  it('refuse a port reaching the store', async () => {
    expect(await violations(path.join(FIXTURES, 'port-reaches-store'))).toEqual(['ports-know-only-the-domain src/ports/context.ts → src/store/db.ts']);
  });

  it('hold for src/', async () => {
    expect(await violations(ROOT)).toEqual([]);
  }, 60_000);

  it('leave the ports without a `declare module` hook (one would let a port reach another folder unseen)', () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));
    const hooks = files(path.join(ROOT, 'src/ports')).filter((f) => /^\s*declare\s+module\b/m.test(readFileSync(f, 'utf8')));
    expect(hooks).toEqual([]);
  });
});
