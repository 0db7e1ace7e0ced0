// The web desk in real Chromium, driven as a township cadre would: /desk in Telegram sends a
// sign-in link, the browser opens it and confirms, reads the overview and its charts, filters the
// matters, opens one and presses 督办 — and the officer gets it in chat. The refusals: a link used
// twice, an expired link, a forged cookie, a form without its CSRF token, and a cadre of 湖泽镇
// reaching for another township's matter by editing the URL.
import { mkdirSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { matterEvents, matters } from '../../../src/store/schema.js';
import { newNode, newOfficer, newPerson, newTree, newVillager, type NodeRow, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { matterByRef, reportedThroughIntake, saw } from '../../support/telegram-flows.js';

const SHOTS = 'test-results/desk';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let browser: Browser;
let tree: Tree;
let other: { township: NodeRow; village: NodeRow; unit: NodeRow };
let nextUser = 930_000;

const tg = (firstName: string) => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode: 'zh-hans' });
const base = () => `http://127.0.0.1:${bot.port}`;

/** The cadre asks the bot for a link and reads it from the bot's message. */
async function linkFor(p: TelegramPerson): Promise<string> {
  p.mark();
  await p.command('/desk');
  const msg = await p.waitForText('工作台登录链接');
  const m = /(http:\/\/\S+\/desk\/in\/[A-Za-z0-9_-]{43})/.exec(msg.text);
  if (!m) throw new Error(`no link in: ${msg.text}`);
  return m[1]!;
}

async function signIn(context: BrowserContext, link: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(link);
  await page.click('#confirm');
  await page.waitForURL(/\/desk\/n\//);
  return page;
}

interface World {
  cadre: TelegramPerson;
  officer: TelegramPerson;
  villager: TelegramPerson;
  dispute: { ref: string; id: string };
  help: { ref: string; id: string };
  elsewhere: { ref: string; id: string };
}

async function world(): Promise<World> {
  tree = await newTree(store.db);
  const township2 = await newNode(store.db, { name: '双林镇', level: 'township', parent: tree.county });
  const village2 = await newNode(store.db, { name: '桥头村', level: 'village', parent: township2 });
  other = { township: township2, village: village2, unit: await newNode(store.db, { name: '桥头第一组', level: 'unit', parent: village2 }) };
  const cadre = tg('周建华');
  await newPerson(store.db, { name: '周建华', role: 'cadre', at: tree.township, title: '湖泽镇党委副书记', telegram: String(cadre.userId) });
  const officer = tg('李冬梅');
  await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(officer.userId) });
  const v = tg('罗秀英');
  await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
  await newOfficer(store.db, other.unit, '陈海波', { telegram: String(nextUser++) });
  const v2 = tg('黄桂兰');
  await newVillager(store.db, other.unit, '黄桂兰', { telegram: String(v2.userId) });
  const dispute = await reportedThroughIntake(bot, store, String(v.userId), '邻居在我家田边堆柴火，说了几次不听。', 'dispute');
  const help = await reportedThroughIntake(bot, store, String(v.userId), '低保的钱这个月没到账。', 'help');
  const elsewhere = await reportedThroughIntake(bot, store, String(v2.userId), '桥头的路灯坏了一个月。', 'hazard');
  return { cadre, officer, villager: v, dispute, help, elsewhere };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator, { desk: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

beforeEach(async () => {
  await store.reset();
});

afterAll(async () => {
  await browser?.close();
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

describe('the desk in Chromium', { timeout: 120_000 }, () => {
  it('a cadre signs in from the bot’s link, reads the overview and its charts, filters, opens a matter and presses 督办: the officer gets it in chat', async () => {
    const w = await world();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
    const page = await signIn(context, await linkFor(w.cadre));

    // The overview of 湖泽镇 for this month, with its figures and charts drawn as SVG on the server.
    await expect.poll(() => page.textContent('h1')).toContain('湖泽镇的统计数据');
    const figures = await page.locator('.figure').allTextContents();
    // 双林镇's matter is not 湖泽镇's.
    expect(figures.join(' ')).toContain('受理2');
    expect(await page.locator('figure.chart svg').count()).toBeGreaterThanOrEqual(3);
    const byCategory = await page.locator('#chart-by-category svg').innerHTML();
    expect(byCategory).toContain('纠纷');
    expect(byCategory).toMatch(/Noto Sans CJK SC/);
    // Drill-down to the village below, and the ledger's links for the same node and period.
    expect(await page.locator('a.drill').allTextContents()).toEqual(['水川村']);
    const csv = new URL((await page.getAttribute('#export-csv', 'href'))!, base());
    expect(csv.pathname).toBe('/desk/export.csv');
    expect(csv.searchParams.get('node')).toBe(tree.township.code);
    expect(csv.searchParams.get('from')).toMatch(/^\d{4}-\d{2}-01$/);
    expect(new URL((await page.getAttribute('#export-xlsx', 'href'))!, base()).pathname).toBe('/desk/export.xlsx');
    await page.screenshot({ path: `${SHOTS}/overview-phone.png`, fullPage: true });

    // The ledger itself, downloaded with the cadre's sign-in: a CSV Excel on Chinese Windows reads
    // (BOM, Chinese intact), a cell a spreadsheet would take for a formula neutralised, only 湖泽镇's
    // matters; and the XLSX with its three sheets.
    await reportedThroughIntake(bot, store, String(w.villager.userId), '=HYPERLINK("http://x","点我")水渠堵了', 'hazard');
    const csvFile = await page.request.get(csv.href);
    expect(csvFile.status()).toBe(200);
    const bytes = await csvFile.body();
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const ledger = bytes.toString('utf8');
    expect(ledger).toContain('邻居在我家田边堆柴火，说了几次不听。');
    expect(ledger).toContain(`"'=HYPERLINK(""http://x"",""点我"")水渠堵了"`);
    expect(ledger).not.toContain('桥头的路灯');
    const xlsxFile = await page.request.get(new URL((await page.getAttribute('#export-xlsx', 'href'))!, base()).href);
    expect(xlsxFile.status()).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await xlsxFile.body()) as unknown as ArrayBuffer);
    expect(book.worksheets).toHaveLength(3);
    const cells = book.worksheets[0]!.getSheetValues().flat().map(String);
    expect(cells).toContain('低保的钱这个月没到账。');
    expect(cells.some((c) => c.startsWith('=HYPERLINK'))).toBe(true);
    // …signed out, the same link answers 401.
    expect((await (await browser.newContext()).request.get(csv.href)).status()).toBe(401);

    // Matters: filtered to disputes (htmx swaps the list in place), then opened.
    await page.click('header nav a:has-text("事项")');
    await expect.poll(() => page.textContent('#matter-count')).toContain('共 3 件');
    await page.selectOption('select[name=category]', 'dispute');
    await expect.poll(() => page.textContent('#matter-count')).toContain('共 1 件');
    expect(await page.locator('.matter-row').getAttribute('data-ref')).toBe(w.dispute.ref);
    expect(page.url()).toContain('category=dispute');
    await page.screenshot({ path: `${SHOTS}/matters-phone.png`, fullPage: true });
    // Words find a matter; so does its reference.
    await page.fill('input[name=q]', '低保');
    await page.selectOption('select[name=category]', '');
    await expect.poll(() => page.locator('.matter-row').getAttribute('data-ref')).toBe(w.help.ref);

    await page.goto(`${base()}/desk/m/${w.dispute.ref}`);
    expect(await page.textContent('#matter-title')).toContain(w.dispute.ref);
    expect(await page.textContent('#timeline')).toContain('李冬梅');
    expect(await page.textContent('#messages')).toContain('邻居在我家田边堆柴火');
    await page.fill('#act-supervise input[name=note]', '请今天之内办结。');
    await page.click('#act-supervise button');
    await expect.poll(() => page.textContent('#said')).toContain('已督办');
    await page.screenshot({ path: `${SHOTS}/matter-supervised-phone.png`, fullPage: true });
    await saw(w.officer, new RegExp(`【督办】.*周建华.*${w.dispute.ref}.*请今天之内办结。`, 's'));
    expect((await matterByRef(store, w.dispute.ref))!.supervised).toBe(true);
    // The timeline now tells it, as the chat's /status does.
    expect(await page.textContent('#timeline')).toContain('您督办');

    // A wide screen gets the same page.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base()}/desk/n/${tree.township.code}`);
    await page.screenshot({ path: `${SHOTS}/overview-wide.png`, fullPage: true });
    await context.close();
  });

  it('a cadre of 湖泽镇 cannot see or act on a matter of 双林镇 by editing the URL', async () => {
    const w = await world();
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await signIn(context, await linkFor(w.cadre));
    const csrf = await page.getAttribute('input[name=_csrf]', 'value');

    for (const path of [`/desk/m/${w.elsewhere.ref}`, `/desk/n/${other.township.code}`, `/desk/n/${other.unit.code}/matters`, `/desk/n/${tree.township.code}/matters?grid=${other.village.code}`, `/desk/n/${other.unit.code}/roster`, `/desk/poster/${other.unit.code}`]) {
      const r = await page.goto(`${base()}${path}`);
      expect(r!.status(), path).toBe(404);
      expect(await page.textContent('#not-found')).toContain('不在您管的范围内');
      expect(await page.content()).not.toContain('桥头的路灯');
    }
    // Searching by its reference from 湖泽镇's list finds nothing.
    await page.goto(`${base()}/desk/n/${tree.township.code}/matters?q=${w.elsewhere.ref}`);
    expect(await page.textContent('#matter-count')).toContain('共 0 件');

    // A 督办 posted straight at it (with a good CSRF token) is refused and changes nothing.
    const r = await page.request.post(`${base()}/desk/m/${w.elsewhere.ref}/act`, { form: { _csrf: csrf!, action: 'supervise', note: '越权督办', nonce: crypto.randomUUID() }, maxRedirects: 0 });
    expect(r.status()).toBe(404);
    const m = await store.db.select().from(matters).where(eq(matters.id, w.elsewhere.id));
    expect(m[0]!.supervised).toBe(false);
    // Nor does the queue dashboard open for a township cadre.
    expect((await page.goto(`${base()}/desk/queues`))!.status()).toBe(404);
    await context.close();

    // A village cadre reads a matter of the village that climbed to the township (it is in the
    // village's list and ledger too), and is offered nothing to do with it there.
    const secretary = tg('王建国');
    await newPerson(store.db, { name: '王建国', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: String(secretary.userId) });
    await store.db.update(matters).set({ level: 'township' }).where(eq(matters.id, w.dispute.id));
    const village = await browser.newContext({ locale: 'zh-CN' });
    const vpage = await signIn(village, await linkFor(secretary));
    await vpage.goto(`${base()}/desk/n/${tree.village.code}/matters?q=${w.dispute.ref}`);
    expect(await vpage.textContent('#matter-count')).toContain('共 1 件');
    expect((await vpage.goto(`${base()}/desk/m/${w.dispute.ref}`))!.status()).toBe(200);
    expect(await vpage.content()).toContain('邻居在我家田边堆柴火');
    expect(await vpage.locator('form.action').count()).toBe(0);
    expect((await vpage.goto(`${base()}/desk/m/${w.elsewhere.ref}`))!.status()).toBe(404);
    await village.close();
  });

  it('refuses a link used twice, an expired link, a forged cookie and a form without its CSRF token', async () => {
    const w = await world();
    const context = await browser.newContext({ locale: 'zh-CN' });
    const link = await linkFor(w.cadre);
    const page = await signIn(context, link);
    const csrf = await page.getAttribute('input[name=_csrf]', 'value');

    // Used twice: the page says so, and a POST of it opens nothing.
    const again = await context.newPage();
    expect((await again.goto(link))!.status()).toBe(410);
    expect(await again.textContent('#dead')).toContain('已经用过或过期');
    const fresh = await browser.newContext({ locale: 'zh-CN' });
    const replay = await fresh.newPage();
    expect((await replay.goto(link))!.status()).toBe(410);
    await fresh.close();

    // A link left for more than ten minutes (the runtime's clock moved on) is refused.
    const late = await linkFor(w.cadre);
    bot.clock.advance(11 * 60_000);
    const lateContext = await browser.newContext({ locale: 'zh-CN' });
    const latePage = await lateContext.newPage();
    expect((await latePage.goto(late))!.status()).toBe(410);
    expect(await latePage.locator('#confirm').count()).toBe(0);
    await latePage.screenshot({ path: `${SHOTS}/link-expired.png` });
    await lateContext.close();

    // A cookie not signed by the desk is nobody.
    const forged = await browser.newContext({ locale: 'zh-CN' });
    const cookie = (await context.cookies()).find((c) => c.name === 'gl_desk')!;
    await forged.addCookies([{ ...cookie, value: `${cookie.value.split('.')[0]}.${'A'.repeat(43)}` }]);
    const forgedPage = await forged.newPage();
    expect((await forgedPage.goto(`${base()}/desk/n/${tree.township.code}`))!.status()).toBe(401);
    expect(await forgedPage.textContent('#signed-out')).toContain('/desk');
    await forged.close();

    // A form posted without its token (or with another's) does nothing.
    const noToken = await page.request.post(`${base()}/desk/m/${w.dispute.ref}/act`, { form: { action: 'supervise', note: '没有令牌' }, maxRedirects: 0 });
    expect(noToken.status()).toBe(403);
    expect((await matterByRef(store, w.dispute.ref))!.supervised).toBe(false);

    // Signing out everywhere ends the session: the same cookie is refused afterwards.
    await page.request.post(`${base()}/desk/out`, { form: { _csrf: csrf!, all: '1' } });
    const after = await context.newPage();
    expect((await after.goto(`${base()}/desk/n/${tree.township.code}`))!.status()).toBe(401);
    await context.close();
  });

  it('shows a villager’s hostile words as words, answers odd searches and bad dates kindly, and takes a matter over', async () => {
    const w = await world();
    const v = tg('王秀英');
    await newVillager(store.db, tree.unit, '王秀英', { telegram: String(v.userId) });
    const hostile = await reportedThroughIntake(bot, store, String(v.userId), '<img src=x onerror="window.pwned=1">田埂塌了 100% 要修_快', 'hazard');
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await signIn(context, await linkFor(w.cadre));

    await page.goto(`${base()}/desk/n/${tree.township.code}/matters`);
    expect(await page.locator(`.matter-row[data-ref="${hostile.ref}"] .summary`).textContent()).toContain('<img src=x onerror="window.pwned=1">');
    await page.goto(`${base()}/desk/m/${hostile.ref}`);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate("typeof window.pwned")).toBe("undefined");

    // LIKE's wildcards are searched for as themselves; quotes and brackets are just words.
    for (const [q, n] of [['100%', 1], ['修_快', 1], ['%', 1], ['_', 1], ["' or 1=1 --", 0], ['<script>', 0]] as const) {
      const r = await page.goto(`${base()}/desk/n/${tree.township.code}/matters?q=${encodeURIComponent(q)}`);
      expect(r!.status(), q).toBe(200);
      expect(await page.textContent('#matter-count'), q).toContain(`共 ${n} 件`);
    }
    await page.goto(`${base()}/desk/n/${tree.township.code}/matters?from=2026-02-30`);
    expect(await page.textContent('#results')).toContain('日期不对');
    expect(await page.textContent('#matter-count')).toContain('共 3 件');
    await page.goto(`${base()}/desk/n/${tree.township.code}?from=2026-99-01`);
    expect(await page.textContent('main')).toContain('日期不对');

    // 我来接手: the cadre holds it now; the officer is told in chat.
    await page.goto(`${base()}/desk/m/${w.help.ref}`);
    const form = { _csrf: (await page.getAttribute('#act-takeover input[name=_csrf]', 'value'))!, nonce: (await page.getAttribute('#act-takeover input[name=nonce]', 'value'))!, action: 'takeover' };
    w.officer.mark();
    await page.click('#act-takeover button');
    await expect.poll(() => page.textContent('#said')).toContain('由您接手办理');
    const cadreId = (await matterByRef(store, w.help.ref))!.assigneeId;
    expect(cadreId).not.toBeNull();
    await saw(w.officer, new RegExp(`${w.help.ref}`));
    // The same form sent again (a double submit) does not act twice.
    expect(await page.locator('#act-takeover').count()).toBe(0);
    const transfers = async () => (await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, w.help.id))).filter((e) => e.action === 'transfer').length;
    expect(await transfers()).toBe(1);
    await page.request.post(`${base()}/desk/m/${w.help.ref}/act`, { form, maxRedirects: 0 });
    expect(await transfers()).toBe(1);
    await context.close();
  });
});
