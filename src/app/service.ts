// The long-running service: workers, relay and HTTP server over one store.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { importRoster, loadRosterFile } from '../roster/import-roster.js';
import { allNodes } from '../store/repositories/grid-repository.js';
import { createAppServer, type HttpServer, type ServiceState } from './http.js';
import { withStartLock } from '../store/db.js';
import { lockDataFolder, removeServiceAddress, writeServiceAddress } from './data-lock.js';
import { installProcessGuards } from './process-guard.js';
import { planDailyJobs, watchRoster, type RosterWatch } from './roster-watch.js';
import { createRuntime, runtimeOptionsFromConfig, SEND_CONCURRENCY_MIN, type Runtime, type RuntimeOptions } from './runtime.js';
import { randomBytes } from 'node:crypto';

export const DEMO_ROSTER = fileURLToPath(new URL('../../roster/demo.yaml', import.meta.url));

export interface Service {
  runtime: Runtime;
  http: HttpServer;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts everything. The roster named by GRIDLINE_ROSTER is applied at every start (it is
 * idempotent); with none named, an empty store gets the demo roster so a fresh machine has a
 * grid tree to try.
 */
export async function startService(config: Config, logger: Logger, overrides: Partial<RuntimeOptions> = {}): Promise<Service> {
  // A dropped database connection is logged and survived, never a crash (see process-guard.ts).
  installProcessGuards(logger);
  const releaseLock = config.store.kind === 'pglite' ? lockDataFolder(config.dataDir) : () => {};
  let runtime: Runtime | null = null;
  let http: HttpServer | null = null;
  let rosterWatch: RosterWatch | null = null;
  // /readyz: not ready until the bots are started, and again from the moment shutdown begins.
  const state: ServiceState = { botsStarted: false, draining: false };
  try {
    // Without DESK_BASE_URL the sign-in links point at the address the server listens on, known once it does.
    let listening = '';
    const deskUrl = () => config.desk.baseUrl ?? listening;
    runtime = await createRuntime({ ...runtimeOptionsFromConfig(config, logger), desk: { baseUrl: deskUrl }, ...overrides });
    const store = runtime.store;
    // Processes started at once take turns, so the demo roster goes into an empty store once.
    await withStartLock(store, 'roster', async () => {
      const rosterFile = config.rosterFile ?? ((await allNodes(store.db)).length === 0 ? DEMO_ROSTER : undefined);
      if (!rosterFile) return;
      if (!existsSync(rosterFile)) throw new Error(`GRIDLINE_ROSTER names ${rosterFile}, which does not exist`);
      const summary = await importRoster(store.db, await loadRosterFile(rosterFile));
      logger.info({ roster: path.relative(process.cwd(), rosterFile), summary }, 'roster applied');
    });
    // A wrong token (Slack's auth.test) stops the start here, before anything listens.
    await runtime.prepareAdapters();
    runtime.startWorkers({ concurrency: config.workerConcurrency, sendConcurrency: Math.max(config.workerConcurrency, SEND_CONCURRENCY_MIN) });
    // The morning digest: one cron per zone of the tree; the evening sweep at each node's dispute cut-off.
    await planDailyJobs(runtime);
    // Planned again, with the caches dropped, whenever a roster is imported while this runs.
    rosterWatch = await watchRoster(runtime, logger);
    const adminToken = randomBytes(24).toString('hex');
    if (!config.desk.cookieSecret) logger.warn('DESK_COOKIE_SECRET is not set: desk sign-ins end when the service restarts, and each process signs its own (set it to share sign-ins)');
    http = createAppServer({ runtime, logger, adminToken, state, desk: { baseUrl: deskUrl, cookieSecret: config.desk.cookieSecret ?? randomBytes(32).toString('hex') } });
    await http.listen({ host: config.http.host, port: config.http.port });
    // After listening, so that a webhook's first call finds its route. A wrong token stops the start.
    await runtime.startAdapters();
    state.botsStarted = true;
    const addr = http.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
    const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    listening = url;
    if (config.store.kind === 'pglite') writeServiceAddress(config.dataDir, url, adminToken);
    logger.info({ url, store: runtime.store.kind, queue: runtime.queues?.target.kind }, 'gridline is running');
    const rt = runtime;
    const server = http;
    const watch = rosterWatch;
    let stopping: Promise<void> | null = null;
    return {
      runtime: rt,
      http: server,
      url,
      // Graceful: /readyz turns 503 and new requests are refused (the platforms retry them), the
      // bots stop taking updates, the workers finish the jobs in hand; then the listener, the
      // store and the data folder's lock are let go.
      stop: () =>
        (stopping ??= (async () => {
          state.draining = true;
          if (config.store.kind === 'pglite') removeServiceAddress(config.dataDir);
          try {
            await watch?.stop();
            await rt.drain();
            await server.close();
            await rt.close();
          } finally {
            releaseLock();
          }
          logger.info('gridline stopped');
        })()),
    };
  } catch (err) {
    // A failed start leaves nothing open (no listener, no connection), so the process can exit.
    await rosterWatch?.stop().catch(() => {});
    await http?.close().catch(() => {});
    await runtime?.close().catch(() => {});
    releaseLock();
    throw err;
  }
}
