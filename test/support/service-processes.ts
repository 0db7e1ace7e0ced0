// Real service processes for the tests that run more than one (`gridline serve` started as a
// person would, on ports of the test's choosing), and the round-robin balancer that deals
// Telegram's webhook updates to them in turn. `stop()` ends the processes (each holds dozens of
// database connections); `close()` also closes the balancers and any other server `listen` took.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import { freePort, SECRET_HEADER } from './telegram/emulator.js';
import { waitFor } from './wait.js';

const BIN = path.resolve('bin/gridline.js');

export interface ServiceProcess {
  proc: ChildProcess;
  port: number;
  /** What it printed (stdout and stderr), for a failure's message. */
  output: string;
  exit: Promise<number | null>;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class ServiceProcesses {
  readonly started: ServiceProcess[] = [];
  private readonly servers: Server[] = [];

  /** `gridline serve` with `env`, listening on `port`. */
  start(port: number, env: NodeJS.ProcessEnv): ServiceProcess {
    const proc = spawn('node', [BIN, 'serve'], { env: { ...env, HTTP_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const s: ServiceProcess = { proc, port, output: '', exit: new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code))) };
    proc.stdout!.on('data', (d: Buffer) => (s.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (s.output += d.toString()));
    this.started.push(s);
    return s;
  }

  /**
   * Waits until each is ready (/readyz: store and queue reached, bots started, so a Telegram webhook
   * is set); one that exits first fails the wait with what it printed.
   */
  async listening(...list: ServiceProcess[]): Promise<void> {
    for (const s of list) {
      await waitFor(
        async () => {
          if (s.proc.exitCode !== null) throw new Error(`a service exited (${s.proc.exitCode})`);
          return (await fetch(`http://127.0.0.1:${s.port}/readyz`).catch(() => null))?.ok ?? false;
        },
        'the services listening',
        150_000,
        200,
      ).catch((err) => {
        throw new Error(`${(err as Error).message}\n${list.map((x) => x.output).join('\n')}`);
      });
    }
  }

  /** A server of the test's on a free port, closed with the rest. */
  async listen(server: Server): Promise<number> {
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.servers.push(server);
    return port;
  }

  /** Telegram's updates, dealt to the processes in turn, as a load balancer would; `served` counts the 200s of each. */
  startBalancer(ports: number[], served: number[] = []): Promise<number> {
    let next = 0;
    return this.listen(
      createServer(async (req, res) => {
        const body = await readBody(req);
        const i = next++ % ports.length;
        try {
          const r = await fetch(`http://127.0.0.1:${ports[i]}${req.url}`, {
            method: req.method,
            headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json'), [SECRET_HEADER]: String(req.headers[SECRET_HEADER] ?? '') },
            body,
          });
          if (r.ok) served[i] = (served[i] ?? 0) + 1;
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(Buffer.from(await r.arrayBuffer()));
        } catch {
          res.writeHead(502).end();
        }
      }),
    );
  }

  /** Stops the processes still running and waits for them to exit. */
  async stop(): Promise<void> {
    for (const s of this.started) if (s.proc.exitCode === null) s.proc.kill('SIGTERM');
    await Promise.all(this.started.map((s) => s.exit));
  }

  async close(): Promise<void> {
    await this.stop();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
