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
  return cliIn(process.cwd(), env, ...args);
}

async function cliIn(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], { env, cwd, timeout: 60_000 });
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
    expect(en.stderr).toContain('There is no grid with the code or join code nowhere');
    const stranger = await cli(env, 'report', '--as', 'p-nobody', '--text', '有事');
    expect(stranger.stderr).toContain('还没有找到您的登记信息');
    const bogus = await cli({ ...env, DATABASE_URL: 'mysql://x' }, 'grids');
    expect(bogus.stderr).toContain('DATABASE_URL');
  }, 120_000);

  it('names every kind it imported, lists a unit grid’s own join code, and says which database it used', async () => {
    for (const lang of ['zh-CN', 'zh-TW', 'en']) {
      const human = await cli({ ...env, GRIDLINE_LANG: lang }, 'import', 'roster/demo.yaml');
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).not.toMatch(/import\.kinds|cli:/);
    }
    expect((await cli(env, 'import', 'roster/demo.yaml')).stdout).toContain('纠纷不过夜时点');
    const codes = await cli(env, 'joincodes', '--grid', 'shuichuan-g03', '--json');
    expect(json<Array<{ code: string; joinCode: string }>>(codes)).toEqual([{ code: 'shuichuan-g03', name: '第三组', village: '水川村', joinCode: 'SC03' }]);
    expect(codes.stderr).toContain('数据库：postgres://');
    // The join code on the poster names the same grid, in any case.
    const byPoster = await cli(env, 'joincodes', '--grid', 'sc03', '--json');
    expect(json<Array<{ code: string }>>(byPoster).map((r) => r.code)).toEqual(['shuichuan-g03']);
    expect((await cli(env, 'matters', '--grid', 'SC03')).code).toBe(0);
    const unknown = await cli(env, 'joincodes', '--grid', 'SC99');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('没有编号或登记码为 SC99 的网格');
  }, 120_000);

  it('refuses leave for a villager, in the reader’s language', async () => {
    const villager = await cli(env, 'leave', 'p-luo-xiuying');
    expect(villager.code).toBe(1);
    expect(villager.stderr).toContain('只有承办事项的工作人员才能请假');
    const en = await cli({ ...env, GRIDLINE_LANG: 'en' }, 'leave', 'p-luo-xiuying');
    expect(en.stderr).toContain('only staff who handle matters go on leave');
  }, 120_000);

  it('reports a tab in the roster once, in the reader’s language, and as JSON with --json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gl-roster-'));
    const tabbed = path.join(dir, 'tabbed.yaml');
    writeFileSync(tabbed, readFileSync('roster/demo.yaml', 'utf8').replace(/^ {6}name: 湖泽镇/m, '\tname: 湖泽镇'));
    const zh = await cli(env, 'import', tabbed);
    const en = await cli({ ...env, GRIDLINE_LANG: 'en' }, 'import', tabbed);
    const asJson = await cli(env, 'import', tabbed, '--json');
    rmSync(dir, { recursive: true, force: true });
    expect(zh.code).toBe(1);
    expect(zh.stderr).toContain('名册有 1 处问题');
    expect(zh.stderr).toContain('缩进要用空格，不能用 Tab');
    expect(zh.stderr).not.toMatch(/unknown|YAML syntax/);
    expect(en.stderr).toContain('indent with spaces, not tabs');
    expect(asJson.code).toBe(1);
    const body = json<{ error: { code: string; message: string; problems: Array<{ line: number; key: string; text: string }> } }>(asJson);
    expect(body.error.problems).toHaveLength(1);
    expect(body.error.problems[0]).toMatchObject({ key: 'roster:syntax.tab_more', text: expect.stringContaining('不能用 Tab') });
    expect(body.error.message).toContain('名册有错误');
  }, 120_000);

  it('says a database that does not exist does not exist, and how to create it', async () => {
    const url = new URL(db.url);
    url.pathname = '/gl_no_such_database';
    const missing = await cli({ ...env, DATABASE_URL: url.toString() }, 'grids');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('没有名为 gl_no_such_database 的数据库');
    expect(missing.stderr).toContain('CREATE DATABASE');
    expect(missing.stderr).not.toContain('Postgres 已启动');
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
    expect(log).not.toMatch(/FSTDEP|DeprecationWarning/);

    // Another data folder, the same port: the port is named, and HTTP_PORT with it.
    const port = /:(\d+)"?/.exec(JSON.parse(readFileSync(path.join(dir, 'service.json'), 'utf8')).url)![1]!;
    const otherDir = mkdtempSync(path.join(tmpdir(), 'gl-data-'));
    const taken = await cli({ ...env, GRIDLINE_DATA_DIR: otherDir, HTTP_PORT: port }, 'serve');
    rmSync(otherDir, { recursive: true, force: true });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`端口 ${port}`);
    expect(taken.stderr).toContain('HTTP_PORT');

    // From another folder with no data of its own: nothing is created there, and it says where it looked.
    const stray = mkdtempSync(path.join(tmpdir(), 'gl-cwd-'));
    const { GRIDLINE_DATA_DIR: _unset, ...noDir } = env;
    const lost = await cliIn(stray, noDir, 'matters');
    expect(existsSync(path.join(stray, 'data'))).toBe(false);
    rmSync(stray, { recursive: true, force: true });
    expect(lost.stderr).toMatch(/没有找到 gridline 的数据|数据：/);

    const reported = await cli(env, 'report', '--as', 'p-luo-xiuying', '--category', 'dispute', '--text', '邻居在我家田边堆柴草，说了不听。');
    expect(reported.code, reported.stderr).toBe(0);
    const ref = /(\d{4}-\d{4})/.exec(reported.stdout)?.[1];
    expect(ref).toBeTruthy();

    const matter = await waitFor(async () => {
      const list = json<MatterItem[]>(await cli(env, 'matters', '--json'));
      const m = list.find((x) => x.ref === ref);
      // The receipt naming the officer (or the waiting one and the name after it) and the officer's
      // card; a dispute reported in the night also alerts the village (纠纷不过夜).
      return m && m.notified >= 2 && m.pendingDeliveries === 0 ? m : null;
    }, 'the matter to be routed and notified', 60_000, 500);
    expect(matter.assigneeCode).toBe('p-li-dongmei');
    expect(matter.step).toBe('dispatch');

    const shown = json<{ events: Array<{ action: string }>; deliveries: Array<{ channel: string; status: string }> }>(await cli(env, 'show', ref!, '--json'));
    expect(shown.events.map((e) => e.action)).toEqual(['report', 'receive', 'route']);
    expect(shown.deliveries.every((d) => (d.status === 'sent' && d.channel === 'console') || d.status === 'superseded')).toBe(true);
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
