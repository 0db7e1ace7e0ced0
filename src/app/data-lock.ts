// One PGlite data folder is open in one process only. The process that opens it holds a lock
// file; a running service also leaves its address so the CLI can ask it instead.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
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

/** Takes the folder's lock; a lock left by a dead process is taken over. Returns the release. */
export function lockDataFolder(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'gridline.lock');
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (alive(pid) && pid !== process.pid) throw new DataFolderBusyError(dataDir, pid);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${file}`);
}

const addressFile = (dataDir: string) => path.join(dataDir, 'service.json');

export function writeServiceAddress(dataDir: string, url: string, token: string): ServiceAddress {
  const address: ServiceAddress = { pid: process.pid, url, token };
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
    return alive(a.pid) ? a : null;
  } catch {
    return null;
  }
}
