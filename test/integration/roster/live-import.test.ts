// A roster imported while the service runs takes effect at once (issue 15 #10): `gridline import`
// on a Postgres deployment writes the service's database from another process; the running
// service hears of it and plans its evening sweep at the new dispute cut-off — the old time no
// longer fires — and the village's grid leader is swept at the new time. The clock is fixed (the
// evening of 27 November in Shanghai) and moved by the test.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runOp } from '../../../src/app/ops.js';
import { planDailyJobs, watchRoster, type RosterWatch } from '../../../src/app/roster-watch.js';
import { intake } from '../../../src/services/intake-service.js';
import { importRoster } from '../../../src/roster/import-roster.js';
import { parseRoster } from '../../../src/roster/parse-roster.js';
import { openStore } from '../../../src/store/db.js';
import { TestClock } from '../../support/clock.js';
import { waitIdle } from '../../support/idle.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { openTestRuntime, testLogger, uniquePrefix, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

const SH = 'Asia/Shanghai';

const rosterText = (evening: string) => `
timezone: ${SH}
dispute_cutoff: { evening: "${evening}", morning: "09:00" }
grid:
  code: huze
  name: 湖泽镇
  level: township
  children:
    - code: shuichuan
      name: 水川村
      level: village
      children:
        - { code: shuichuan-g03, name: 第三组, level: unit }
people:
  - code: p-li-dongmei
    name: 李冬梅
    telegram: "2002"
    roles:
      - { role: officer_full, grid: shuichuan-g03, title: 第三组专职网格员 }
  - code: p-zhang-guohua
    name: 张国华
    telegram: "2009"
    roles:
      - { role: grid_leader, grid: shuichuan, title: 水川村网格长 }
  - code: p-luo-xiuying
    name: 罗秀英
    telegram: "1001"
    roles:
      - { role: villager, grid: shuichuan-g03 }
`;

/** The local hour and minute of an instant in Shanghai. */
const shanghaiTime = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: SH, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));

// On Postgres the CLI writes the database itself; on the embedded store it hands the import to the
// running service (its admin operations), which holds the data folder.
describe.each(['postgres', 'pglite'] as const)('a roster imported into a running service (%s)', (kind) => {
  let store: TestStore;
  let runtime: TestRuntime;
  let watch: RosterWatch;
  let telegram: RecordingChannel;
  let clock: TestClock;

  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    clock = new TestClock('2026-11-27T17:00:00+08:00');
    telegram = new RecordingChannel('telegram');
    await importRoster(store.db, parseRoster(rosterText('20:00'), 'roster.yaml'));
    runtime = await openTestRuntime(store, kind === 'postgres' ? 'redis' : 'postgres', { channels: new Map([['telegram', telegram]]), prefix: uniquePrefix(), clock });
    runtime.startWorkers({ concurrency: 2 });
    // As the service starts: the sweeps planned, then the roster watched.
    await planDailyJobs(runtime);
    watch = await watchRoster(runtime, testLogger);
  });
  afterEach(async () => {
    await watch?.stop();
    await runtime?.close();
  });

  const sweeps = async () => (await runtime.queues!.queue('sweep').getJobSchedulers()).map((s) => ({ id: s.id ?? s.key, pattern: s.pattern, tz: s.tz, next: s.next, at: (s.template?.data as { at?: string } | undefined)?.at }));

  it("moves that evening's sweep to the new dispute cut-off, and the old time no longer fires", async () => {
    expect((await sweeps()).map((s) => s.at)).toEqual(['20:00']);
    const r = await intake(runtime.ctx, { eventId: 'live:1', platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text: '宅基地界址纠纷，两家人吵到村口了', receivedAt: clock.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await waitFor(() => telegram.to('2002').length, 'the dispute routed to the officer');

    // The administrator runs `gridline import` against the running service (the CLI's own path:
    // on Postgres a store of its own and no queues; on the embedded store through the service).
    const args = { fileName: 'roster.yaml', text: rosterText('21:30') };
    if (kind === 'pglite') await runOp(runtime.ctx, 'import', args);
    else {
      const cli = await openStore({ kind: 'postgres', url: store.url!, poolSize: 2 });
      try {
        await runOp({ db: cli.db, now: () => clock.now(), logger: testLogger, outboxWritten: () => {} }, 'import', args);
      } finally {
        await cli.close();
      }
    }

    // The service plans the sweep at 21:30 at once, no restart; nothing is left planned at 20:00.
    await waitFor(async () => (await sweeps()).some((s) => s.at === '21:30'), 'the sweep planned at the new cut-off');
    await watch.settled();
    const planned = await sweeps();
    expect(planned.map((s) => s.at)).toEqual(['21:30']);
    expect(planned[0]).toMatchObject({ pattern: '30 21 * * *', tz: SH });
    expect(shanghaiTime(planned[0]!.next!)).toBe('21:30');
    const waiting = await runtime.queues!.queue('sweep').getDelayed();
    expect(waiting.map((j) => (j.data as { at?: string }).at)).toEqual(['21:30']);

    // 21:30 that evening: the scheduler's job runs and the village's grid leader is told the dispute is still open.
    clock.set('2026-11-27T21:30:00+08:00');
    await runtime.queues!.add('sweep', planned.map((s) => ({ zone: SH, at: s.at! }))[0]!, { jobId: 'sweep-now' });
    const swept = await waitFor(() => telegram.to('2009').find((t) => t.includes('纠纷不过夜')), () => `the leader swept at 21:30 (saw: ${telegram.to('2009').join(' | ')})`);
    expect(swept).toContain(r.matter.ref);
    await waitIdle(runtime);
  }, 60_000);
});
