// The roster with its join-code posters, a page in the person's own language, and the queue
// dashboard (bull-board) for the county's administrators, on Redis and on BullMQ's PostgreSQL
// backend: signed in from the bot's link, in Chromium.
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identities } from '../../../src/store/schema.js';
import { eq } from 'drizzle-orm';
import { newBackup, newOfficer, newPerson, newTree, type Tree } from '../../support/factories.js';
import type { QueueKind } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';


const SHOTS = 'test-results/desk';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser;
let nextUser = 950_000;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
});

describe.each(['redis', 'postgres'] as QueueKind[])('the desk with queues on %s', { timeout: 120_000 }, (queue) => {
  let store: TestStore;
  let emulator: TelegramEmulator;
  let bot: BotUnderTest;
  let tree: Tree;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    emulator = await TelegramEmulator.start();
    bot = await startBot(store, emulator, { desk: true, queue });
    await store.reset();
    tree = await newTree(store.db);
  });

  afterAll(async () => {
    await bot?.stop();
    await emulator?.close();
    await store?.close();
  });

  const base = () => `http://127.0.0.1:${bot.port}`;

  async function signedIn(who: TelegramPerson, words: string | RegExp, viewport = { width: 390, height: 844 }): Promise<Page> {
    who.mark();
    await who.command('/desk');
    const msg = await who.waitForText(words);
    const link = /(http:\/\/\S+\/desk\/in\/[A-Za-z0-9_-]{43})/.exec(msg.text)![1]!;
    const context = await browser.newContext({ viewport, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.goto(link);
    await page.click('#confirm');
    await page.waitForURL(/\/desk\/n\//);
    return page;
  }

  it('a county administrator opens the queue dashboard; a village grid leader is refused it', async () => {
    const admin = new TelegramPerson(emulator, { userId: nextUser++, firstName: '吴志明', languageCode: 'zh-hans' });
    await newPerson(store.db, { name: '吴志明', role: 'cadre', at: tree.county, title: '分宜县网格中心主任', telegram: String(admin.userId) });
    const page = await signedIn(admin, '工作台登录链接');
    await page.click('header nav a:has-text("队列")');
    await page.waitForURL(/\/desk\/queues/);
    // The dashboard's own API, behind the same sign-in, lists the service's queues with their counts.
    const api = await page.request.get(`${base()}/desk/queues/api/queues?activeQueue=chat&status=latest&page=1`);
    expect(api.status()).toBe(200);
    const body = (await api.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    expect(body.queues.map((q) => q.name)).toEqual(expect.arrayContaining(['chat', 'send', 'route', 'deadline']));
    expect(body.queues.find((q) => q.name === 'chat')!.counts.completed).toBeGreaterThanOrEqual(1);
    await page.waitForSelector('text=chat', { timeout: 15_000 });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: `${SHOTS}/queues-${queue}.png` });

    // Without a session the dashboard and its API answer 401.
    const stranger = await browser.newContext();
    expect((await stranger.request.get(`${base()}/desk/queues/api/queues`)).status()).toBe(401);
    await stranger.close();
    await page.context().close();

    const leader = new TelegramPerson(emulator, { userId: nextUser++, firstName: '张国华', languageCode: 'zh-hans' });
    await newPerson(store.db, { name: '张国华', role: 'grid_leader', at: tree.village, title: '水川村网格长', telegram: String(leader.userId) });
    const leaderPage = await signedIn(leader, '工作台登录链接');
    expect(await leaderPage.locator('header nav a:has-text("队列")').count()).toBe(0);
    expect((await leaderPage.goto(`${base()}/desk/queues`))!.status()).toBe(404);
    expect((await leaderPage.request.get(`${base()}/desk/queues/api/queues`)).status()).toBe(404);
    await leaderPage.context().close();
  });

  // The roster does not depend on the queues: run once.
  it.runIf(queue === 'redis')('the roster shows the tree, who is on leave and who cannot be reached, and prints a poster with the QR code', async () => {
    const leader = new TelegramPerson(emulator, { userId: nextUser++, firstName: 'Zhang', languageCode: 'en' });
    await newPerson(store.db, { name: '张国华', role: 'grid_leader', at: tree.village, title: '水川村网格长', telegram: String(leader.userId), locale: 'en' });
    await newOfficer(store.db, tree.unit, '李冬梅', { onLeave: true });
    const gone = await newBackup(store.db, tree.otherUnit, '刘建国', { telegram: String(nextUser++) });
    await store.db.update(identities).set({ unreachableAt: new Date() }).where(eq(identities.personId, gone.id));

    // An English speaker gets the desk in English.
    const page = await signedIn(leader, 'sign-in link');
    expect(await page.textContent('h1')).toContain('Figures of 水川村');
    await page.click('header nav a:has-text("Roster")');
    await page.waitForURL(/\/roster$/);
    expect(await page.textContent('#on-leave')).toBe('李冬梅');
    expect(await page.textContent('#unreachable')).toBe('刘建国');
    expect(await page.locator('ul.tree .node').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))).toEqual([tree.village.code, ...[tree.unit.code, tree.otherUnit.code].sort()]); // tree order: siblings by code
    await page.screenshot({ path: `${SHOTS}/roster-en-phone.png`, fullPage: true });

    await page.click(`li[data-code="${tree.unit.code}"] a.poster`);
    await page.waitForURL(/\/desk\/poster\//);
    expect(await page.textContent('.join-code')).toContain(tree.unit.joinCode!);
    const qr = page.locator('#qr svg');
    expect(await qr.count()).toBe(1);
    expect(await qr.getAttribute('viewBox')).toMatch(/^0 0 \d+ \d+$/);
    await page.screenshot({ path: `${SHOTS}/poster-phone.png`, fullPage: true });
    await page.context().close();
  });
});
