// SIGTERM on a running service (embedded store, as a fresh machine runs it): /readyz turns 503,
// the message being sent when the signal came is finished and recorded, the process exits 0 and
// the data folder's lock is released. Telegram is a small Bot API here that holds sendMessage
// until the test lets it go, so a job is surely in flight when the signal arrives.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/gridline.js');
const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The Bot API calls the service makes; sendMessage waits for `release()`. */
class HoldingBotApi {
  readonly sent: Array<{ chatId: string; text: string }> = [];
  private held: Array<() => void> = [];
  private releasing = false;
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  release(): void {
    this.releasing = true;
    for (const go of this.held.splice(0)) go();
  }

  get waiting(): number {
    return this.held.length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const method = (req.url ?? '').split('?')[0]!.split('/').pop()!;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      /* form-encoded: not needed here */
    }
    const answer = (result: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, result }));
    };
    if (method === 'getMe') return answer({ id: 123456, is_bot: true, first_name: 'gridline', username: 'gridline_test_bot' });
    if (method === 'getUpdates') return void setTimeout(() => answer([]), 300);
    if (method === 'sendMessage') {
      const chatId = String(body.chat_id);
      const done = () => {
        this.sent.push({ chatId, text: String(body.text ?? '') });
        answer({ message_id: this.sent.length, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'private' }, text: body.text });
      };
      if (this.releasing) return done();
      this.held.push(done);
      return;
    }
    return answer(true);
  }

  async close(): Promise<void> {
    this.release();
    await new Promise((r) => this.server?.close(r));
  }
}

describe('a service told to stop (SIGTERM)', () => {
  let dir: string;
  let api: HoldingBotApi;
  let service: ChildProcess | null = null;
  let log = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gl-stop-'));
    api = new HoldingBotApi();
    await api.start();
  });
  afterAll(async () => {
    service?.kill('SIGKILL');
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses new work, finishes the message in flight, releases the data lock and exits 0', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, GRIDLINE_DATA_DIR: dir, HTTP_PORT: '0', LOG_LEVEL: 'info', GRIDLINE_LANG: 'zh-CN', TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: `http://127.0.0.1:${api.port}` };
    for (const k of ['DATABASE_URL', 'REDIS_URL', 'GRIDLINE_ROSTER', 'TELEGRAM_WEBHOOK_URL', 'SLACK_BOT_TOKEN']) delete env[k];
    service = spawn('node', [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout!.on('data', (d) => (log += String(d)));
    service.stderr!.on('data', (d) => (log += String(d)));
    const exited = new Promise<number | null>((r) => service!.once('exit', (code) => r(code)));
    await waitFor(() => existsSync(path.join(dir, 'service.json')), () => `the service to start:\n${log}`, 120_000, 200);
    const url = (JSON.parse(readFileSync(path.join(dir, 'service.json'), 'utf8')) as { url: string }).url;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, () => `the service to be ready:\n${log}`, 30_000, 200);

    // A villager of the demo roster reports (the administrator files it); her receipt goes out on Telegram and is held there.
    const { stdout } = await run('node', [BIN, 'report', '--as', 'p-luo-xiuying', '--text', '自来水管爆了', '--json'], { env, timeout: 60_000 });
    const ref = (JSON.parse(stdout) as { ref: string }).ref;
    await waitFor(() => api.waiting > 0, () => `a message to be in flight:\n${log}`, 60_000);

    service.kill('SIGTERM');
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 503, () => `readyz to turn 503 while draining:\n${log}`, 15_000, 100);
    // Nothing new is taken meanwhile: the administrator's operations are refused too.
    expect((await fetch(`${url}/admin/ops/grids`, { method: 'POST' })).status).toBe(503);
    expect(existsSync(path.join(dir, 'gridline.lock'))).toBe(true);

    api.release();
    expect(await exited).toBe(0);
    service = null;
    expect(existsSync(path.join(dir, 'gridline.lock'))).toBe(false);
    expect(existsSync(path.join(dir, 'service.json'))).toBe(false);
    expect(api.sent.some((m) => m.chatId === '900001' && m.text.includes(ref))).toBe(true);

    // The store, opened again by the CLI (the lock is free), recorded the held message as sent.
    const shown = await run('node', [BIN, 'show', ref, '--json'], { env, timeout: 60_000 });
    const { matter, deliveries } = JSON.parse(shown.stdout) as { matter: { reporterId: string }; deliveries: Array<{ status: string; personId: string | null }> };
    expect(deliveries.filter((d) => d.personId === matter.reporterId && d.status === 'sent')).toHaveLength(1);
    // Nothing was left half-sent: a row still claimed ('sending') would be a message the stop cut off.
    expect(deliveries.filter((d) => d.status === 'sending')).toEqual([]);
    expect(log).toContain('gridline stopped');
    expect(log).not.toMatch(/uncaught|FATAL/i);
  }, 400_000);
});
