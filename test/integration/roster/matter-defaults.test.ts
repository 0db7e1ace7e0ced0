// 多网合一 and 大事/小事 as roster data: the topic list and the starting size/topic by category are
// checked, imported idempotently, and used when a matter is reported.
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importRoster } from '../../../src/roster/import-roster.js';
import { parseRoster, RosterError } from '../../../src/roster/parse-roster.js';
import { startingPointFor, topicChoices } from '../../../src/services/matter-defaults.js';
import { matterDefaults, topics } from '../../../src/store/schema.js';
import { openTestStore, type TestStore } from '../../support/store.js';

const ROSTER = (extra: string) => `grid:
  code: shuichuan
  name: 水川村
  level: village
  children:
    - { code: shuichuan-g03, name: 第三组, level: unit }
${extra}`;

const LISTS = `topics:
  - { code: general, name: 综合 }
  - { code: safety, name: 安全生产 }
  - { code: petition, name: 信访维稳 }
matter_defaults:
  - { category: hazard, size: small, topic: safety }
  - { category: hazard, urgent: true, size: big }
  - { category: dispute, topic: petition }
`;

describe('topics and matter defaults in the roster', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('postgres');
  });
  beforeEach(async () => {
    await store.reset();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('imports the lists once, and a second import changes nothing', async () => {
    const first = await importRoster(store.db, parseRoster(ROSTER(LISTS), 'r.yaml'));
    expect(first.counts.topics).toEqual({ created: 3, updated: 0, unchanged: 0, removed: 0 });
    expect(first.counts.matterDefaults).toEqual({ created: 3, updated: 0, unchanged: 0, removed: 0 });
    const again = await importRoster(store.db, parseRoster(ROSTER(LISTS), 'r.yaml'));
    expect(again.counts.topics).toEqual({ created: 0, updated: 0, unchanged: 3, removed: 0 });
    expect(again.counts.matterDefaults).toEqual({ created: 0, updated: 0, unchanged: 3, removed: 0 });
    expect((await topicChoices(store.db)).map((t) => t.name)).toEqual(['综合', '安全生产', '信访维稳']);

    expect(await startingPointFor(store.db, { category: 'hazard', urgent: true })).toEqual({ size: 'big', topic: 'safety' });
    expect(await startingPointFor(store.db, { category: 'hazard', urgent: false })).toEqual({ size: 'small', topic: 'safety' });
    expect(await startingPointFor(store.db, { category: 'dispute', urgent: false })).toEqual({ size: 'small', topic: 'petition' });

    // A shorter list is the whole list.
    const fewer = await importRoster(store.db, parseRoster(ROSTER(LISTS.replace('  - { code: petition, name: 信访维稳 }\n', '').replace('  - { category: dispute, topic: petition }\n', '')), 'r.yaml'));
    expect(fewer.counts.topics.removed).toBe(1);
    expect((await store.db.select().from(topics).orderBy(asc(topics.position))).map((t) => t.code)).toEqual(['general', 'safety']);
    expect(await store.db.select().from(matterDefaults)).toHaveLength(2);
  });

  it('refuses a default naming a topic the list does not have', () => {
    try {
      parseRoster(ROSTER(`topics:\n  - { code: safety, name: 安全生产 }\nmatter_defaults:\n  - { category: hazard, topic: safty }\n`), 'r.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RosterError);
      expect((err as RosterError).message).toContain('did you mean "safety"');
    }
  });

  it('offers the built-in topics when the roster lists none', async () => {
    expect((await topicChoices(store.db)).map((t) => t.code)).toEqual(['general', 'safety', 'environment', 'petition', 'school', 'sanitation']);
  });
});
