// The administrator's path, as a new user takes it: the CLI on Postgres, and the service on the
// embedded defaults (no Postgres, no Redis) with the CLI talking to it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/store.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/gridline.js');

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'GRIDLINE_ROSTER', 'HTTP_PORT', 'GRIDLINE_DATA_DIR', 'TELEGRAM_BOT_TOKEN', 'SLACK_BOT_TOKEN']) delete env[k];
  return { ...env, LOG_LEVEL: 'warn', GRIDLINE_LANG: 'zh-CN', ...extra };
}

async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
const json = <T>(r: { stdout: string; stderr: string }): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON: ${r.stdout}\n${r.stderr}`);
  }
};

interface MatterItem {
  ref: string;
  step: string;
  level: string;
  assignee: string | null;
  assigneeCode: string | null;
  notified: number;
  pendingDeliveries: number;
}

describe('the CLI on Postgres', () => {
  let db: { url: string; drop: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    db = await createTestDatabase();
    env = cleanEnv({ DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('imports the demo roster twice with the same rows, and refuses a broken one whole', async () => {
    const first = await cli(env, 'import', 'roster/demo.yaml', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(json<{ changed: boolean }>(first).changed).toBe(true);
    const second = await cli(env, 'import', 'roster/demo.yaml', '--json');
    expect(json<{ changed: boolean }>(second).changed).toBe(false);
    const human = await cli(env, 'import', 'roster/demo.yaml');
    expect(human.stdout).toContain('没有任何变化');

    const dir = mkdtempSync(path.join(tmpdir(), 'gl-roster-'));
    const broken = path.join(dir, 'broken.yaml');
    const text = readFileSync('roster/demo.yaml', 'utf8').replace(/(role: officer_full, grid: )shuichuan-g03/, '$1shuichuan-g99');
    writeFileSync(broken, text);
    const bad = await cli(env, 'import', broken);
    rmSync(dir, { recursive: true, force: true });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('名册有错误，什么都没有导入');
    expect(bad.stderr).toMatch(/broken\.yaml:\d+:\d+/);
    expect(bad.stderr).toContain('shuichuan-g99');
    expect(json<{ changed: boolean }>(await cli(env, 'import', 'roster/demo.yaml', '--json')).changed).toBe(false);
  }, 120_000);

  it('prints the grid tree and answers bad input in the reader’s language', async () => {
    const grids = json<Array<{ code: string; children: Array<{ code: string; children: Array<{ code: string; children: Array<{ code: string }> }> }> }>>(await cli(env, 'grids', '--json'));
    const shuichuan = grids[0]!.children[0]!.children.find((c) => c.code === 'shuichuan')!;
    expect(shuichuan.children.filter((c) => /^shuichuan-g\d\d$/.test(c.code))).toHaveLength(27);
    const tree = await cli(env, 'grids');
    expect(tree.stdout).toContain('水川村 [shuichuan]');
    const badRef = await cli(env, 'show', '1234-5678');
    expect(badRef.code).toBe(1);
    expect(badRef.stderr).toContain('不是有效的受理编号');
    const en = await cli({ ...env, GRIDLINE_LANG: 'en' }, 'matters', '--grid', 'nowhere');
    expect(en.stderr).toContain('There is no grid with the code nowhere');
    const stranger = await cli(env, 'report', '--as', 'p-nobody', '--text', '有事');
    expect(stranger.stderr).toContain('还没有找到您的登记信息');
    const bogus = await cli({ ...env, DATABASE_URL: 'mysql://x' }, 'grids');
    expect(bogus.stderr).toContain('DATABASE_URL');
  }, 120_000);
});

describe('a fresh machine: the service on PGlite alone, the CLI talking to it', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let service: ChildProcess | null = null;
  let log = '';

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gl-data-'));
    env = cleanEnv({ GRIDLINE_DATA_DIR: dir, HTTP_PORT: '0' });
  });
  afterAll(async () => {
    service?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores, routes and notifies a villager’s report; a second service is refused; stopping frees the folder', async () => {
    service = spawn('node', [BIN, 'serve'], { env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout!.on('data', (d) => (log += String(d)));
    service.stderr!.on('data', (d) => (log += String(d)));
    await waitFor(() => existsSync(path.join(dir, 'service.json')), `the service to start:\n${log}`, 90_000, 200);

    const second = await cli(env, 'serve');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('正被另一个 gridline 进程');

    const reported = await cli(env, 'report', '--as', 'p-luo-xiuying', '--category', 'dispute', '--text', '邻居在我家田边堆柴草，说了不听。');
    expect(reported.code, reported.stderr).toBe(0);
    const ref = /(\d{4}-\d{4})/.exec(reported.stdout)?.[1];
    expect(ref).toBeTruthy();

    const matter = await waitFor(async () => {
      const list = json<MatterItem[]>(await cli(env, 'matters', '--json'));
      const m = list.find((x) => x.ref === ref);
      // Receipt, routed, assigned; a dispute reported in the night also alerts the village (纠纷不过夜).
      return m && m.notified >= 3 && m.pendingDeliveries === 0 ? m : null;
    }, 'the matter to be routed and notified', 60_000, 500);
    expect(matter.assigneeCode).toBe('p-li-dongmei');
    expect(matter.step).toBe('dispatch');

    const shown = json<{ events: Array<{ action: string }>; deliveries: Array<{ channel: string; status: string }> }>(await cli(env, 'show', ref!, '--json'));
    expect(shown.events.map((e) => e.action)).toEqual(['report', 'receive', 'route']);
    expect(shown.deliveries.every((d) => d.status === 'sent' && d.channel === 'console')).toBe(true);
    expect(log).toContain('notification');

    // The officer asks for leave; the next report from group 3 goes to a part-time backup.
    expect((await cli(env, 'leave', 'p-li-dongmei')).stdout).toContain('已请假');
    const next = await cli(env, 'report', '--as', 'p-luo-xiuying', '--text', '路灯不亮');
    const ref2 = /(\d{4}-\d{4})/.exec(next.stdout)?.[1];
    const m2 = await waitFor(async () => json<MatterItem[]>(await cli(env, 'matters', '--json')).find((x) => x.ref === ref2 && x.assignee), 'the second matter', 60_000, 500);
    expect(['p-liu-jianguo', 'p-huang-guilan']).toContain(m2.assigneeCode);

    service.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => service!.once('exit', res));
    expect(code).toBe(0);
    service = null;
    expect(existsSync(path.join(dir, 'service.json'))).toBe(false);
    // With the service stopped, the CLI opens the folder itself.
    const after = json<MatterItem[]>(await cli(env, 'matters', '--json'));
    expect(after.map((m) => m.ref).sort()).toEqual([ref, ref2].sort());
  }, 240_000);
});
