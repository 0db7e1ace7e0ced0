// What a command needs when the running service answers it: the data folder (where the service
// left its address and token) and the zone its times are written in. Read from the few variables
// these come from, without the full settings schema (zod and every channel's checks): the service
// checked its own settings when it started, and a command it answers uses none of them.
import path from 'node:path';
import { readServiceAddress } from '../app/data-lock.js';
import type { Config } from '../config/config.js';
import { resolveDataDir } from '../config/data-dir.js';
import { LOCALES } from '../domain/types.js';

/** The part of the settings a CLI command reads. */
export type CliConfig = Pick<Config, 'store' | 'dataDir' | 'dataDirSource' | 'defaultTimezone'>;

function knownZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The settings when a service runs on the embedded data folder and the variables the CLI reads
 * are plainly good; null otherwise (a database named, a zone or locale not known, no service),
 * and then the full check (loadConfig) decides, and words any error as it always has.
 */
export function runningServiceConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CliConfig | null {
  const get = (k: string) => (env[k] === '' ? undefined : env[k]);
  if (get('DATABASE_URL')) return null;
  const locale = get('DEFAULT_LOCALE');
  if (locale !== undefined && !(LOCALES as readonly string[]).includes(locale)) return null;
  // A zone named is checked (the default is known): ICU's first zone costs tens of milliseconds.
  const zone = get('DEFAULT_TIMEZONE');
  if (zone !== undefined && !knownZone(zone)) return null;
  const defaultTimezone = zone ?? 'Asia/Shanghai';
  const { dir, source } = resolveDataDir(get('GRIDLINE_DATA_DIR'), cwd);
  if (!readServiceAddress(dir)) return null;
  return { store: { kind: 'pglite', dataDir: path.join(dir, 'pglite') }, dataDir: dir, dataDirSource: source, defaultTimezone };
}
