// /readyz as a load balancer reads it: 503 while Postgres or Redis is away, 200 again when each is
// back, 503 from the moment shutdown begins; /livez answers throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServer, type HttpServer, type ServiceState } from '../../../src/app/http.js';
import { createRuntime, type Runtime } from '../../../src/app/runtime.js';
import { PrivatePostgres } from '../../support/postgres-server.js';
import { PrivateRedis } from '../../support/redis-server.js';
import { testLogger, uniquePrefix } from '../../support/runtime.js';
import { waitFor } from '../../support/wait.js';

describe('readiness while the store and the queues come and go', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let runtime: Runtime;
  let http: HttpServer;
  const state: ServiceState = { botsStarted: true, draining: false };

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    redis = await PrivateRedis.start();
    runtime = await createRuntime({ store: { kind: 'postgres', url: pg.url(), poolSize: 3 }, queue: { kind: 'redis', url: redis.url, prefix: uniquePrefix() }, logger: testLogger });
    http = createAppServer({ runtime, logger: testLogger, adminToken: 'test-admin-token', state });
  }, 90_000);
  afterAll(async () => {
    await http?.close();
    await runtime?.close().catch(() => {});
    await redis?.down();
    await pg?.drop();
  });

  const readyz = async () => {
    const res = await http.inject({ url: '/readyz' });
    return { status: res.statusCode, body: res.json() as { ok: boolean; store: { ok: boolean }; queue: { ok: boolean }; draining: boolean } };
  };
  const livez = async () => (await http.inject({ url: '/livez' })).statusCode;

  it('turns 503 when Postgres stops and 200 when it is back', async () => {
    expect(await readyz()).toMatchObject({ status: 200, body: { ok: true, store: { ok: true }, queue: { ok: true } } });
    await pg.down();
    const down = await waitFor(async () => ((await readyz()).status === 503 ? readyz() : null), 'readyz to turn 503 with Postgres stopped', 30_000, 200);
    expect(down.body).toMatchObject({ ok: false, store: { ok: false }, queue: { ok: true } });
    expect(await livez()).toBe(200);
    await pg.up();
    await waitFor(async () => (await readyz()).status === 200, 'readyz to turn 200 with Postgres back', 30_000, 200);
  }, 90_000);

  it('turns 503 when Redis stops and 200 when it is back', async () => {
    await redis.down();
    const down = await waitFor(async () => ((await readyz()).status === 503 ? readyz() : null), 'readyz to turn 503 with Redis stopped', 30_000, 200);
    expect(down.body).toMatchObject({ ok: false, store: { ok: true }, queue: { ok: false } });
    expect(await livez()).toBe(200);
    await redis.up();
    await waitFor(async () => (await readyz()).status === 200, 'readyz to turn 200 with Redis back', 30_000, 200);
  }, 90_000);

  it('turns 503 while draining, and refuses other work then, but not the health routes', async () => {
    state.draining = true;
    try {
      expect(await readyz()).toMatchObject({ status: 503, body: { draining: true } });
      expect(await livez()).toBe(200);
      const ops = await http.inject({ method: 'POST', url: '/admin/ops/grids', headers: { authorization: 'Bearer test-admin-token' }, payload: {} });
      expect(ops.statusCode).toBe(503);
      expect(ops.headers['retry-after']).toBe('5');
    } finally {
      state.draining = false;
    }
    expect((await readyz()).status).toBe(200);
  });
});
