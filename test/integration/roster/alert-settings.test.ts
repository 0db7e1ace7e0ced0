// A roster's alert destinations, quiet hours and report-in limits land on the grid nodes and
// departments, and importing again changes nothing.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importRoster } from '../../../src/roster/import-roster.js';
import { parseRoster } from '../../../src/roster/parse-roster.js';
import { departments, gridNodes } from '../../../src/store/schema.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

const DEMO_TEXT = readFileSync(fileURLToPath(new URL('../../../roster/demo.yaml', import.meta.url)), 'utf8');
const demo = (edit: (t: string) => string = (t) => t) => parseRoster(edit(DEMO_TEXT), 'demo.yaml');

describe.each(STORE_KINDS)('alert settings from the roster on %s', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
  });

  const node = async (code: string) => (await store.db.select().from(gridNodes)).find((n) => n.code === code)!;

  it('stores destinations, quiet hours and limits, idempotently', async () => {
    await importRoster(store.db, demo());
    expect(await node('huze')).toMatchObject({ alertTelegramChat: '-1001000000001', alertSlackChannel: null, alertDm: true, alertLocale: 'zh-CN', quietFrom: '22:00', quietTo: '07:00' });
    expect(await node('shuichuan')).toMatchObject({ alertTelegramChat: null, alertDm: null });
    const depts = Object.fromEntries((await store.db.select().from(departments)).map((d) => [d.code, d.reportInMinutes]));
    expect(depts).toMatchObject({ 'huze-police': 20, 'county-justice': 30 });
    expect((await importRoster(store.db, demo())).changed).toBe(false);

    const edited = demo((t) => t.replace('quiet_hours: { from: "22:00", to: "07:00" }', 'quiet_hours: { from: "21:00", to: "06:30" }').replace('report_in_minutes: 30', 'report_in_minutes: 40'));
    const summary = await importRoster(store.db, edited);
    // Every node inherits the roster's quiet hours; every department but the police its limit.
    expect(summary.counts.gridNodes).toMatchObject({ updated: 36, unchanged: 0 });
    expect(summary.counts.departments).toMatchObject({ updated: 6, unchanged: 1 });
    expect(await node('shuichuan-g03')).toMatchObject({ quietFrom: '21:00', quietTo: '06:30' });
    const after = Object.fromEntries((await store.db.select().from(departments)).map((d) => [d.code, d.reportInMinutes]));
    expect(after).toMatchObject({ 'huze-police': 20, 'county-justice': 40 });
  });

  it('stores a village’s 回访 settings on it and every grid under it, idempotently', async () => {
    const edited = demo((t) => t.replace('          households: 852\n', '          households: 852\n          follow_up: { days: 5, outcomes: [unrated, unsatisfied, satisfied] }\n'));
    await importRoster(store.db, edited);
    for (const code of ['shuichuan', 'shuichuan-g03']) expect(await node(code)).toMatchObject({ followUpDays: 5, followUpOutcomes: ['unrated', 'unsatisfied', 'satisfied'], followUpAsk: null });
    expect(await node('huze')).toMatchObject({ followUpDays: null, followUpOutcomes: null, followUpAsk: null });
    expect((await importRoster(store.db, edited)).changed).toBe(false);
  });
});
