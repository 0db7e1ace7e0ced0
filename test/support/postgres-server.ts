// A private Postgres cluster on a free port (Debian's pg_createcluster), so a test can stop and
// start it without touching the machine's server that other tests share.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import postgres from 'postgres';
import { freePort } from './telegram/emulator.js';

export class PrivatePostgres {
  private constructor(
    readonly version: string,
    readonly name: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const version = readdirSync('/etc/postgresql').sort().at(-1)!;
    // A port nothing listens on now (a fixed range once met RabbitMQ's 5672 on this machine).
    const port = await freePort();
    const pg = new PrivatePostgres(version, `gltest${randomBytes(3).toString('hex')}`, port);
    execFileSync('pg_createcluster', ['-p', String(port), version, pg.name, '--', '--auth=trust'], { stdio: 'ignore' });
    await pg.up();
    const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
    await admin.unsafe('create database gridline');
    await admin.end();
    return pg;
  }

  url(db = 'gridline'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  private ctl(action: 'start' | 'stop'): void {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', this.version, this.name, action, ...(action === 'stop' ? ['-m', 'immediate'] : [])], { stdio: 'ignore' });
  }

  async up(): Promise<void> {
    this.ctl('start');
  }

  async down(): Promise<void> {
    this.ctl('stop');
  }

  async drop(): Promise<void> {
    try {
      execFileSync('pg_dropcluster', ['--stop', this.version, this.name], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
}
