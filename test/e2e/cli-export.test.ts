// `gridline export`, as an administrator runs it on Postgres: CSV to stdout, XLSX to a file
// (complete or not at all), bad input answered in the reader's language.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/store.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/gridline.js');

async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], { env, timeout: 90_000, encoding: 'buffer' });
    return { code: 0, stdout, stderr: stderr.toString('utf8') };
  } catch (err) {
    const e = err as { code?: number; stdout?: Buffer; stderr?: Buffer };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? Buffer.alloc(0), stderr: e.stderr?.toString('utf8') ?? '' };
  }
}

describe('gridline export', () => {
  let db: { url: string; drop: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'gl-export-'));
    env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', GRIDLINE_LANG: 'zh-CN' };
    for (const k of ['REDIS_URL', 'GRIDLINE_ROSTER', 'GRIDLINE_DATA_DIR', 'TELEGRAM_BOT_TOKEN', 'SLACK_BOT_TOKEN']) delete env[k];
    expect((await cli(env, 'import', 'roster/demo.yaml')).code).toBe(0);
    expect((await cli(env, 'report', '--as', 'p-luo-xiuying', '--text', '=1+1 自来水管爆了')).code).toBe(0);
  }, 180_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('writes the CSV to stdout and the XLSX to a file, with the administrator’s phones', async () => {
    const csv = await cli(env, 'export', '--grid', 'huze');
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.subarray(0, 3).toString('hex')).toBe('efbbbf');
    const text = csv.stdout.toString('utf8');
    expect(text).toContain('受理编号');
    expect(text).toContain("'=1+1 自来水管爆了");
    expect(text).toContain('反映人电话');
    const out = path.join(dir, 'huze.xlsx');
    const xlsx = await cli(env, 'export', '--grid', 'huze', '--format', 'xlsx', '--out', out);
    expect(xlsx.code, xlsx.stderr).toBe(0);
    expect(xlsx.stderr).toContain('民情帐已保存到');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(out) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['事项', '办理经过', '统计']);
    expect(existsSync(`${out}.part`)).toBe(false);
  }, 180_000);

  it('answers bad input in the reader’s language and writes no file', async () => {
    const out = path.join(dir, 'bad.csv');
    const badDate = await cli(env, 'export', '--grid', 'huze', '--from', '2026-02-30', '--out', out);
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toContain('请写成 YYYY-MM-DD');
    expect(existsSync(out)).toBe(false);
    const unknown = await cli({ ...env, GRIDLINE_LANG: 'en' }, 'export', '--grid', 'nowhere');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no grid with the code or join code nowhere');
  }, 180_000);
});
