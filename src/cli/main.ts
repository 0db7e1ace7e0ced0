// gridline: the administrator's command line.
import { createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import { readServiceAddress, lockDataFolder, DataFolderBusyError } from '../app/data-lock.js';
import { OpError } from '../app/op-error.js';
import type { OpName } from '../app/ops.js';
import type { Config } from '../config/config.js';
import { PERIOD_NAMES } from '../domain/period.js';
import { HOLIDAYS } from '../domain/holidays.js';
import { CATEGORIES, SIZES, TOPICS } from '../domain/types.js';
import { loadOnlyLocales, t, toLocale } from '../i18n/index.js';
import type { RosterProblem } from '../roster/parse-roster.js';
import { sayRoster, type Said } from '../roster/said.js';
import { holdsStore } from '../config/data-dir.js';
import { redactUrl } from '../util/redact-url.js';
import type { render } from './render.js';
import { postJson } from './ask-service.js';
import { runningServiceConfig, type CliConfig } from './quick-config.js';

// A command answered by the running service loads none of the service side: the store, the
// operations, the roster parser and the logger are imported where a command works on its own.
// commander is CommonJS: required, not imported, so Node need not start its CommonJS lexer to name
// the exports (milliseconds of every call).
const { Command, Option } = createRequire(import.meta.url)('commander') as typeof Commander;

const createLogger = async (level: string) => (await import('../logger.js')).createLogger({ level });

/** --period: this-month, last-month, this-year, all (the chat's buttons, as a shell writes them). */
const PERIOD_OPTIONS = PERIOD_NAMES.map((p) => p.replace('_', '-'));

const lang = toLocale(process.env.GRIDLINE_LANG ?? process.env.DEFAULT_LOCALE ?? 'zh-CN');
// A command speaks one language: the other locales' files are not read.
loadOnlyLocales([lang]);
const say = (key: string, params: Record<string, unknown> = {}) => t(lang, key, params);

class RemoteOpError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, unknown>,
  ) {
    super(key);
  }
}

/** Runs an operation here, or in the running service when it holds the embedded data folder. */
async function op(config: CliConfig, name: OpName, args: Record<string, unknown>): Promise<unknown> {
  if (config.store.kind === 'pglite') {
    const service = readServiceAddress(config.dataDir);
    // Only import may start a store; any other command on a folder without one is a wrong folder.
    if (!service && name !== 'import' && !holdsStore(config.dataDir)) throw new OpError('cli:errors.no_store', { dir: config.dataDir });
    tell(service ? 'cli:store.service' : holdsStore(config.dataDir) ? 'cli:store.embedded' : 'cli:store.embedded_new', { dir: config.dataDir, how: say(`cli:store.source.${config.dataDirSource}`) });
    if (service) {
      const res = await postJson(service, `/admin/ops/${name}`, args);
      const body = res.body as { result?: unknown; error?: { key: string; params: Record<string, unknown> } };
      const ok = res.status >= 200 && res.status < 300;
      if (!ok || body.error) throw new RemoteOpError(body.error?.key ?? 'cli:errors.service_failed', body.error?.params ?? { status: res.status });
      return body.result;
    }
  }
  if (config.store.kind === 'postgres') tell('cli:store.postgres', { target: redactUrl(config.store.url) });
  const release = config.store.kind === 'pglite' ? lockDataFolder(config.dataDir) : () => {};
  try {
    const [{ openStore }, { runOp }, logger] = await Promise.all([import('../store/db.js'), import('../app/ops.js'), createLogger(process.env.LOG_LEVEL ?? 'warn')]);
    const store = await openStore(config.store.kind === 'postgres' ? { kind: 'postgres', url: config.store.url, poolSize: 2 } : config.store);
    try {
      // No queue here: rows in the outbox go out when the service next runs (or now, if it runs on Postgres).
      return await runOp({ db: store.db, now: () => new Date(), logger, outboxWritten: () => {} }, name, args);
    } finally {
      await store.close();
    }
  } finally {
    release();
  }
}

interface ExportOptions {
  grid: string;
  from?: string;
  to?: string;
  format: 'csv' | 'xlsx';
  sheet: 'matters' | 'events';
  out?: string;
}

/**
 * `gridline export`: the ledger streamed to a file (written under another name and renamed when
 * complete, so a failed export leaves no half file) or, for CSV, to stdout. From the running
 * service when it holds the embedded data folder, else from the store itself.
 */
async function exportLedger(config: CliConfig, o: ExportOptions): Promise<void> {
  if (o.format === 'xlsx' && !o.out && process.stdout.isTTY) throw new OpError('ledger:errors.xlsx_needs_file');
  const source = await ledgerSource(config, o);
  try {
    if (!o.out) {
      await pipeline(source.stream, process.stdout);
      return;
    }
    const partial = `${o.out}.part`;
    try {
      await pipeline(source.stream, createWriteStream(partial));
      renameSync(partial, o.out);
    } catch (err) {
      rmSync(partial, { force: true });
      throw err;
    }
    tell('ledger:cli.written', { file: o.out });
  } finally {
    await source.close();
  }
}

async function ledgerSource(config: CliConfig, o: ExportOptions): Promise<{ stream: NodeJS.ReadableStream; close: () => Promise<void> }> {
  const request = { node: o.grid, from: o.from, to: o.to };
  if (config.store.kind === 'pglite') {
    const service = readServiceAddress(config.dataDir);
    if (!service && !holdsStore(config.dataDir)) throw new OpError('cli:errors.no_store', { dir: config.dataDir });
    tell(service ? 'cli:store.service' : 'cli:store.embedded', { dir: config.dataDir, how: say(`cli:store.source.${config.dataDirSource}`) });
    if (service) {
      const query = new URLSearchParams({ node: o.grid, sheet: o.sheet, lang, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) });
      const res = await fetch(`${service.url}/admin/export.${o.format}?${query}`, { headers: { authorization: `Bearer ${service.token}` } });
      if (!res.ok || !res.body) throw new RemoteOpError('ledger:errors.remote', { message: await res.text() });
      return { stream: Readable.fromWeb(res.body as never), close: async () => {} };
    }
  } else tell('cli:store.postgres', { target: redactUrl(config.store.url) });
  // Loaded here: the spreadsheet writer is for this command only.
  const { ADMINISTRATOR, LedgerExport, xlsxStream } = await import('../services/ledger-export.js');
  const { openStore } = await import('../store/db.js');
  const release = config.store.kind === 'pglite' ? lockDataFolder(config.dataDir) : () => {};
  try {
    const store = await openStore(config.store.kind === 'postgres' ? { kind: 'postgres', url: config.store.url, poolSize: 3 } : config.store);
    const ledger = new LedgerExport({ db: store.db, now: () => new Date(), logger: await createLogger(process.env.LOG_LEVEL ?? 'warn'), outboxWritten: () => {} });
    const access = await ledger.prepare(ADMINISTRATOR, request, lang);
    if (!access.ok) {
      await store.close();
      throw new OpError(access.refusal.key, access.refusal.params);
    }
    const stream = o.format === 'csv' ? ledger.csv(access.job, o.sheet) : xlsxStream(ledger, access.job);
    return {
      stream,
      close: async () => {
        await store.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/** Which store a command used, on stderr: stdout stays the answer (and JSON with --json). */
function tell(key: string, params: Record<string, unknown>): void {
  process.stderr.write(`${say(key, params)}\n`);
}

/** The answer on stdout: JSON, or text (its tables loaded only then). */
async function print(json: boolean, kind: Parameters<typeof render>[0], data: unknown, config: CliConfig): Promise<void> {
  if (json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else process.stdout.write(`${(await import('./render.js')).render(kind, data, lang, config.defaultTimezone)}\n`);
}

/** The error classes of the service side, loaded only to name a failure. */
async function errorKinds() {
  const [config, store, queue, rosterImport, rosterParse] = await Promise.all([import('../config/config.js'), import('../store/db.js'), import('../queue/queue-system.js'), import('../roster/import-roster.js'), import('../roster/parse-roster.js')]);
  return { ...config, ...store, ...queue, ...rosterImport, ...rosterParse };
}
type ErrorKinds = Awaited<ReturnType<typeof errorKinds>>;

function describeError(err: unknown, k: ErrorKinds): string {
  const { ConfigError, StoreUnreachableError, StoreDatabaseMissingError, StoreLoginRefusedError, QueueUnreachableError } = k;
  if (err instanceof ConfigError) return `${say('cli:errors.config')}\n${err.problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`;
  if (err instanceof StoreUnreachableError) return say('cli:errors.store_unreachable', { target: err.target });
  if (err instanceof StoreDatabaseMissingError) return say('cli:errors.store_missing', { target: err.target, database: err.database });
  if (err instanceof StoreLoginRefusedError) return say('cli:errors.store_login', { target: err.target, user: err.user });
  const sys = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (sys?.syscall === 'listen' && (sys.code === 'EADDRINUSE' || sys.code === 'EACCES'))
    return say(sys.code === 'EADDRINUSE' ? 'cli:errors.port_in_use' : 'cli:errors.port_denied', { port: sys.port ?? '?', host: sys.address ?? '?' });
  if (err instanceof QueueUnreachableError) return say('cli:errors.queue_unreachable', { target: err.target });
  if (err instanceof DataFolderBusyError) return say('cli:errors.data_busy', { dir: err.dataDir, pid: err.pid });
  const roster = rosterProblemsOf(err, k);
  if (roster) return `${say('cli:errors.roster_header')}\n${roster.text}`;
  if (err instanceof OpError || err instanceof RemoteOpError) return say(err.key, err.params);
  if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return say('cli:errors.no_file', { file: (err as NodeJS.ErrnoException).path });
  return say('cli:errors.unexpected', { message: err instanceof Error ? err.message : String(err) });
}

type ImportProblem = Said & { message: string; path: string };

/** A roster's problems, here or from the service, in the reader's language. */
function rosterProblemsOf(err: unknown, { formatProblems, RosterError, RosterImportError }: ErrorKinds): { text: string; problems: Array<RosterProblem | ImportProblem> } | null {
  const fromParse = (file: string, problems: RosterProblem[]) => ({ text: formatProblems(file, problems, lang), problems });
  const fromImport = (problems: ImportProblem[]) => ({ text: problems.map((p) => `  ${p.path ? `${p.path}: ` : ''}${sayRoster(lang, p)}`).join('\n'), problems });
  if (err instanceof RosterError) return fromParse(err.file, err.problems);
  if (err instanceof RosterImportError) return fromImport(err.problems);
  if ((err instanceof OpError || err instanceof RemoteOpError) && err.key === 'cli:errors.roster') {
    const problems = err.params.problems as Array<RosterProblem | ImportProblem> | undefined;
    if (!problems) return { text: String(err.params.details ?? ''), problems: [] };
    return typeof err.params.file === 'string' ? fromParse(err.params.file, problems as RosterProblem[]) : fromImport(problems as ImportProblem[]);
  }
  return null;
}

/** What `--json` prints for a failure: the message in the reader's language, and the roster's problems when there are any. */
function errorJson(err: unknown, k: ErrorKinds): { error: { code: string; message: string; problems?: unknown[] } } {
  const code = err instanceof OpError || err instanceof RemoteOpError ? err.key : err instanceof Error ? err.name : 'Error';
  const roster = rosterProblemsOf(err, k);
  const problems = roster?.problems.map((p) => ({ ...p, text: sayRoster(lang, p) }));
  return { error: { code, message: describeError(err, k), ...(problems ? { problems } : {}) } };
}

const COMMANDS = ['serve', 'import', 'grids', 'matters', 'show', 'report', 'inbox', 'joincodes', 'stats', 'broadcast', 'broadcasts', 'export', 'linkcode', 'leave', 'back'];

/**
 * The command line; with `only`, that one command alone (a run of one command need not set up,
 * nor translate the descriptions of, the fourteen others).
 */
export function buildCli(only?: string): Commander.Command {
  const program = new Command('gridline').description(say('cli:description')).showHelpAfterError();
  const wanted = (name: string) => only === undefined || only === name;
  const fullConfig = async (): Promise<Config> => (await import('../config/config.js')).loadConfig();
  // A command the running service answers reads only its address; otherwise every setting is checked.
  const withConfig = <A extends unknown[]>(fn: (config: CliConfig, ...args: A) => Promise<void>) => async (...args: A) => {
    await fn(runningServiceConfig() ?? (await fullConfig()), ...args);
  };

  if (wanted('serve')) program
    .command('serve')
    .description(say('cli:commands.serve'))
    .action(async () => {
      const config = await fullConfig();
      const logger = (await import('../logger.js')).createLogger({ level: config.logLevel, format: config.logFormat });
      if (config.store.kind === 'pglite') logger.info({ dataDir: config.dataDir, chosen: config.dataDirSource }, 'embedded store in this data folder');
      else logger.info({ database: redactUrl(config.store.url) }, 'store on Postgres');
      // Loaded here: the service pulls in every channel SDK, which the other commands never need.
      const { startService } = await import('../app/service.js');
      const service = await startService(config, logger);
      let stopping = false;
      const stop = async (signal: string) => {
        // A second signal while draining means "now": the supervisor or the person has waited enough.
        if (stopping) {
          logger.warn({ signal }, 'stopping at once: jobs in hand are taken up again at the next start');
          process.exit(1);
        }
        stopping = true;
        logger.info({ signal }, 'stopping: finishing the jobs in hand');
        try {
          await service.stop();
          process.exit(0);
        } catch (err) {
          logger.error({ err: { name: (err as Error).name, message: (err as Error).message } }, 'stopping failed');
          process.exit(1);
        }
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });

  if (wanted('import')) program
    .command('import')
    .description(say('cli:commands.import'))
    .argument('<file>', say('cli:args.roster_file'))
    .option('--json', say('cli:options.json'))
    .action(
      withConfig(async (config, file: string, o: { json?: boolean }) => {
        const text = readFileSync(file, 'utf8');
        const fileName = path.relative(process.cwd(), path.resolve(file));
        // Checked here first: a broken roster is reported without opening any store.
        (await import('../roster/parse-roster.js')).parseRoster(text, fileName);
        await print(Boolean(o.json), 'import', await op(config, 'import', { fileName, text }), config);
      }),
    );

  if (wanted('grids')) program
    .command('grids')
    .description(say('cli:commands.grids'))
    .option('--json', say('cli:options.json'))
    .action(withConfig(async (config, o: { json?: boolean }) => print(Boolean(o.json), 'grids', await op(config, 'grids', {}), config)));

  if (wanted('matters')) program
    .command('matters')
    .description(say('cli:commands.matters'))
    .option('--grid <code>', say('cli:options.grid'))
    .addOption(new Option('--state <state>', say('cli:options.state')).choices(['open', 'settled', 'closed', 'withdrawn']))
    .option('--limit <n>', say('cli:options.limit'), (v) => Number.parseInt(v, 10))
    .option('--json', say('cli:options.json'))
    .action(
      withConfig(async (config, o: { grid?: string; state?: string; limit?: number; json?: boolean }) =>
        print(Boolean(o.json), 'matters', await op(config, 'matters', { grid: o.grid, state: o.state, limit: o.limit }), config),
      ),
    );

  if (wanted('show')) program
    .command('show')
    .description(say('cli:commands.show'))
    .argument('<ref>', say('cli:args.ref'))
    .option('--json', say('cli:options.json'))
    .action(withConfig(async (config, ref: string, o: { json?: boolean }) => print(Boolean(o.json), 'show', await op(config, 'show', { ref }), config)));

  if (wanted('report')) program
    .command('report')
    .description(say('cli:commands.report'))
    .requiredOption('--as <person>', say('cli:options.as'))
    .requiredOption('--text <text>', say('cli:options.text'))
    .addOption(new Option('--category <category>', say('cli:options.category')).choices([...CATEGORIES]).default('help'))
    .addOption(new Option('--size <size>', say('cli:options.size')).choices([...SIZES]))
    .addOption(new Option('--topic <topic>', say('cli:options.topic')).choices([...TOPICS]))
    .option('--for <villager>', say('cli:options.for'))
    .option('--json', say('cli:options.json'))
    .action(
      withConfig(async (config, o: { as: string; text: string; category: string; size?: string; topic?: string; for?: string; json?: boolean }) => {
        const result = await op(config, 'report', { as: o.as, text: o.text, category: o.category, size: o.size, topic: o.topic, for: o.for });
        await print(Boolean(o.json), 'report', { ...(result as object), serviceRunning: config.store.kind === 'pglite' ? Boolean(readServiceAddress(config.dataDir)) : null }, config);
      }),
    );

  if (wanted('inbox')) program
    .command('inbox')
    .description(say('cli:commands.inbox'))
    .option('--limit <n>', say('cli:options.limit'), (v) => Number.parseInt(v, 10))
    .option('--json', say('cli:options.json'))
    .action(withConfig(async (config, o: { limit?: number; json?: boolean }) => print(Boolean(o.json), 'inbox', await op(config, 'inbox', { limit: o.limit }), config)));

  if (wanted('joincodes')) program
    .command('joincodes')
    .description(say('cli:commands.joincodes'))
    .option('--grid <code>', say('cli:options.grid'))
    .option('--json', say('cli:options.json'))
    .action(withConfig(async (config, o: { grid?: string; json?: boolean }) => print(Boolean(o.json), 'joincodes', await op(config, 'joincodes', { grid: o.grid }), config)));

  if (wanted('stats')) program
    .command('stats')
    .description(say('stats:command'))
    .option('--grid <code>', say('cli:options.grid'))
    .option('--from <date>', say('stats:options.from'))
    .option('--to <date>', say('stats:options.to'))
    .addOption(new Option('--period <name>', say('stats:options.period')).choices(PERIOD_OPTIONS).conflicts(['from', 'to']))
    .option('--json', say('cli:options.json'))
    .action(
      withConfig(async (config, o: { grid?: string; from?: string; to?: string; period?: string; json?: boolean }) =>
        print(Boolean(o.json), 'stats', await op(config, 'stats', { grid: o.grid, from: o.from, to: o.to, ...(o.period ? { period: o.period.replace('-', '_') } : {}) }), config),
      ),
    );

  if (wanted('broadcast')) program
    .command('broadcast')
    .description(say('cli:commands.broadcast'))
    .requiredOption('--grid <code>', say('cli:options.grid'))
    .requiredOption('--text <text>', say('cli:options.broadcast_text'))
    .option('--text-en <text>', say('cli:options.broadcast_text_en'))
    .option('--text-zh-tw <text>', say('cli:options.broadcast_text_zh_tw'))
    .addOption(new Option('--to <who>', say('cli:options.broadcast_to')).choices(['all', 'residents', 'households', 'staff']).default('all'))
    .addOption(new Option('--lang <locale>', say('cli:options.broadcast_lang')).choices(['zh-CN', 'zh-TW', 'en']))
    .option('--at <time>', say('cli:options.broadcast_at'))
    .addOption(new Option('--holiday <name>', say('cli:options.broadcast_holiday')).choices([...HOLIDAYS]))
    .option('--dry-run', say('cli:options.dry_run'))
    .option('--json', say('cli:options.json'))
    .action(
      withConfig(async (config, o: { grid: string; text: string; textEn?: string; textZhTw?: string; to: string; lang?: string; at?: string; holiday?: string; dryRun?: boolean; json?: boolean }) => {
        const texts = { ...(o.textEn ? { en: o.textEn } : {}), ...(o.textZhTw ? { 'zh-TW': o.textZhTw } : {}) };
        await print(Boolean(o.json), 'broadcast', await op(config, 'broadcast', { grid: o.grid, text: o.text, texts, to: o.to, lang: o.lang, at: o.at, holiday: o.holiday, dryRun: Boolean(o.dryRun) }), config);
      }),
    );

  if (wanted('broadcasts')) program
    .command('broadcasts')
    .description(say('cli:commands.broadcasts'))
    .option('--limit <n>', say('cli:options.limit'), (v) => Number.parseInt(v, 10))
    .option('--json', say('cli:options.json'))
    .action(withConfig(async (config, o: { limit?: number; json?: boolean }) => print(Boolean(o.json), 'broadcasts', await op(config, 'broadcasts', { limit: o.limit }), config)));

  if (wanted('export')) program
    .command('export')
    .description(say('ledger:cli.command'))
    .requiredOption('--grid <code>', say('cli:options.grid'))
    .option('--from <date>', say('stats:options.from'))
    .option('--to <date>', say('stats:options.to'))
    .addOption(new Option('--format <format>', say('ledger:cli.format')).choices(['csv', 'xlsx']).default('csv'))
    .addOption(new Option('--sheet <sheet>', say('ledger:cli.sheet')).choices(['matters', 'events']).default('matters'))
    .option('--out <file>', say('ledger:cli.out'))
    .action(withConfig(async (config, o: ExportOptions) => exportLedger(config, o)));

  if (wanted('linkcode')) program
    .command('linkcode')
    .description(say('slack:linkcode.command'))
    .argument('<person>', say('cli:args.person'))
    .option('--json', say('cli:options.json'))
    .action(
      withConfig(async (config, person: string, o: { json?: boolean }) => {
        const r = (await op(config, 'linkcode', { person })) as { name: string; code: string; minutes: number };
        process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : `${say('slack:linkcode.issued', r)}\n`);
      }),
    );

  for (const [name, onLeave] of [
    ['leave', true],
    ['back', false],
  ] as const) {
    if (wanted(name)) program
      .command(name)
      .description(say(`cli:commands.${name}`))
      .argument('<person>', say('cli:args.person'))
      .option('--json', say('cli:options.json'))
      .action(withConfig(async (config, person: string, o: { json?: boolean }) => print(Boolean(o.json), 'duty', await op(config, 'duty', { person, onLeave }), config)));
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    // A known command, without a call for help: only it is built. Help, or a name mistyped, gets them all.
    const name = argv[2];
    const one = name && COMMANDS.includes(name) && !argv.includes('--help') && !argv.includes('-h') ? name : undefined;
    await buildCli(one).parseAsync(argv);
  } catch (err) {
    // With --json the answer is JSON whatever happened, so a script can read it.
    const kinds = await errorKinds();
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(errorJson(err, kinds), null, 2)}\n`);
    else process.stderr.write(`${describeError(err, kinds)}\n`);
    process.exitCode = 1;
    // Whatever a failed start left open must not keep the process alive: a supervisor restarts only what exits.
    setTimeout(() => process.exit(1), 3000).unref();
  }
}
