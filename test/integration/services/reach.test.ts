// Last seen per identity, kept through the reach service: written at most once a minute while the
// person stays on one platform, at once when they switch; their choice refused for a platform
// they are not on.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { choosePlatform, noteSeen, reachChoices } from '../../../src/services/reach-service.js';
import { identities } from '../../../src/store/schema.js';
import { newOfficer, newTree } from '../../support/factories.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

describe.each(STORE_KINDS)('reach on %s', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.close();
  });

  const at = (s: number) => new Date(Date.UTC(2026, 5, 3, 2, 0, s));

  it('notes the platform written from, within the minute only on a switch', async () => {
    await store.reset();
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '5001' });
    await store.db.insert(identities).values({ personId: officer.id, platform: 'slack', externalId: 'U5001' });
    const seen = async (platform: 'telegram' | 'slack') =>
      (await store.db.select().from(identities).where(and(eq(identities.personId, officer.id), eq(identities.platform, platform))))[0]!.lastSeenAt?.getTime();

    await noteSeen(store.db, 'telegram', '5001', at(0));
    await noteSeen(store.db, 'telegram', '5001', at(10));
    expect(await seen('telegram')).toBe(at(0).getTime());
    await noteSeen(store.db, 'slack', 'U5001', at(20));
    // Back on Telegram within the minute: written, as Slack is now later.
    await noteSeen(store.db, 'telegram', '5001', at(30));
    expect(await seen('telegram')).toBe(at(30).getTime());
    expect(await seen('slack')).toBe(at(20).getTime());

    expect(await reachChoices(store.db, officer.id)).toEqual({ platforms: ['telegram', 'slack'], preferred: null });
    expect(await choosePlatform(store.db, officer.id, 'cli')).toBe(false);
    expect(await choosePlatform(store.db, officer.id, 'slack')).toBe(true);
    expect((await reachChoices(store.db, officer.id)).preferred).toBe('slack');
    expect(await choosePlatform(store.db, officer.id, null)).toBe(true);
    expect((await reachChoices(store.db, officer.id)).preferred).toBeNull();
  });
});
