// One PGlite data folder is open in one process only. The process that opens it holds a lock
// file; a running service also leaves its address so the CLI can ask it instead.
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class DataFolderBusyError extends Error {
  override readonly name = 'DataFolderBusyError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the data folder ${dataDir} is open in another gridline process (pid ${pid})`);
  }
}

export interface ServiceAddress {
  pid: number;
  started?: string | null;
  url: string;
  token: string;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process started, in clock ticks since boot (Linux /proc/<pid>/stat, field 22); null
 * where /proc is not available. A pid reused by another program has another start time.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/** The program a process runs (Linux), or null when it cannot be read. */
function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return null;
  }
}

/** What a lock or address file says about the process that wrote it. */
interface Holder {
  pid: number;
  /** processStartTime of the holder when it wrote the file; absent in files of older versions. */
  started?: string | null;
}

function readHolder(text: string): Holder {
  const t = text.trim();
  if (t.startsWith('{')) {
    const h = JSON.parse(t) as Holder;
    return { pid: Number(h.pid), started: h.started ?? null };
  }
  return { pid: Number(t) };
}

/**
 * True when the process that wrote the file still runs: the pid is alive and is the same process
 * (same start time), not another program that was given the pid after a crash or a reboot.
 */
export function holderRunning(holder: Holder): boolean {
  if (!alive(holder.pid)) return false;
  const now = processStartTime(holder.pid);
  if (holder.started && now) return holder.started === now;
  // A file without a start time (an older version) or no /proc: a process that is not Node cannot be ours.
  const cmd = commandLine(holder.pid);
  return cmd === null || /\bnode\b|gridline|tsx|vitest/.test(cmd);
}

const myIdentity = (): Holder => ({ pid: process.pid, started: processStartTime(process.pid) });

/** Creates `file` with `content`, failing with EEXIST when it exists; never visible empty where links work. */
function createExclusive(file: string, content: string): void {
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, file);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw err;
    // A file system without hard links: create in place.
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Takes the folder's lock; a lock left by a dead process is taken over. Returns the release. */
export function lockDataFolder(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'gridline.lock');
  for (let tries = 0; tries < 3; tries++) {
    try {
      createExclusive(file, JSON.stringify(myIdentity()));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: Holder;
      try {
        holder = readHolder(readFileSync(file, 'utf8'));
      } catch {
        // Gone since (released by its holder), or left broken by a crash.
        holder = { pid: 0 };
      }
      if (holder.pid !== process.pid && holderRunning(holder)) throw new DataFolderBusyError(dataDir, holder.pid);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${file}`);
}

const addressFile = (dataDir: string) => path.join(dataDir, 'service.json');

export function writeServiceAddress(dataDir: string, url: string, token: string): ServiceAddress {
  const address: ServiceAddress = { ...myIdentity(), url, token };
  writeFileSync(addressFile(dataDir), JSON.stringify(address), { mode: 0o600 });
  return address;
}

export function removeServiceAddress(dataDir: string): void {
  rmSync(addressFile(dataDir), { force: true });
}

/** The running service's address, when one is running on this data folder. */
export function readServiceAddress(dataDir: string): ServiceAddress | null {
  try {
    const a = JSON.parse(readFileSync(addressFile(dataDir), 'utf8')) as ServiceAddress;
    return holderRunning(a) ? a : null;
  } catch {
    return null;
  }
}
