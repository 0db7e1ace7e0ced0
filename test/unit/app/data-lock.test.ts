// The data folder's lock: held while its holder runs, taken over when the pid now belongs to
// another program (a pid reused after a crash or a reboot).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataFolderBusyError, lockDataFolder, processStartTime, readServiceAddress } from '../../../src/app/data-lock.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gl-lock-'));
  dirs.push(dir);
  return dir;
}
function running(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.runIf(existsSync('/proc/self/stat'))('lockDataFolder', () => {
  it('refuses while the process that took the lock runs', () => {
    const dir = folder();
    const holder = running(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    writeFileSync(path.join(dir, 'gridline.lock'), JSON.stringify({ pid: holder.pid, started: processStartTime(holder.pid!) }));
    expect(() => lockDataFolder(dir)).toThrow(DataFolderBusyError);
  });

  it('takes over a lock whose pid now belongs to a process started later (pid reused)', () => {
    const dir = folder();
    const other = running('sleep', ['60']);
    const started = processStartTime(other.pid!);
    expect(started).not.toBeNull();
    writeFileSync(path.join(dir, 'gridline.lock'), JSON.stringify({ pid: other.pid, started: String(Number(started) - 1) }));
    const release = lockDataFolder(dir);
    expect(JSON.parse(readFileSync(path.join(dir, 'gridline.lock'), 'utf8'))).toEqual({ pid: process.pid, started: processStartTime(process.pid) });
    release();
    expect(existsSync(path.join(dir, 'gridline.lock'))).toBe(false);
  });

  it('takes over an older plain-pid lock naming a live program that is not Node', () => {
    const dir = folder();
    const other = running('sleep', ['60']);
    writeFileSync(path.join(dir, 'gridline.lock'), String(other.pid));
    lockDataFolder(dir)();
  });

  it('ignores a service address left by a process whose pid was reused', () => {
    const dir = folder();
    const other = running('sleep', ['60']);
    writeFileSync(path.join(dir, 'service.json'), JSON.stringify({ pid: other.pid, started: '1', url: 'http://127.0.0.1:1', token: 'x' }));
    expect(readServiceAddress(dir)).toBeNull();
    writeFileSync(path.join(dir, 'service.json'), JSON.stringify({ pid: process.pid, started: processStartTime(process.pid), url: 'http://127.0.0.1:1', token: 'x' }));
    expect(readServiceAddress(dir)?.url).toBe('http://127.0.0.1:1');
  });
});
