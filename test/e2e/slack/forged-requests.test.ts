// Forged, stale or hostile Slack requests (signed, so they got past the signature check): each is
// answered at once — a modal refused in the modal with words the person can read — never left to
// Bolt's 3-second timeout, and none of them is logged as an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from '../../support/log-capture.js';
import { newOfficer, newTree } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { buttonPress, interactionRequest, messageEvent, slashCommand, type SlackRequest } from '../../support/slack/signed-requests.js';
import { linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { openTestStore, type TestStore } from '../../support/store.js';

const USER = 'U0OFFICER1';
const DM = FakeSlackApi.dmOf(USER);
const CONTROL = 'a\u0000b\u0007c\u202Ed\u200Be\u001Bf\uFEFF';
const HUGE = '很'.repeat(200_000);

const view = (v: Record<string, unknown>, user = USER): SlackRequest =>
  interactionRequest({ type: 'view_submission', team: { id: 'T0GRID01' }, user: { id: user }, api_app_id: 'A0GRID01', trigger_id: `${Date.now()}.v`, view: { id: `V${Math.random().toString(36).slice(2, 10)}`, type: 'modal', hash: 'h', ...v } });
const textState = (value: string) => ({ values: { text: { v: { type: 'plain_text_input', value } } } });
const meta = (m: unknown) => (typeof m === 'string' ? m : JSON.stringify(m));
const form = (body: string): SlackRequest => ({ body, contentType: 'application/x-www-form-urlencoded' });

interface Case {
  name: string;
  req: () => SlackRequest;
  /** Statuses that are a right answer. */
  status: number[];
  /** The modal's answer, when it is a view submission. */
  modal?: 'errors' | 'clear';
  /** Slow on purpose (no listener: Bolt's unhandled-request path). */
  slow?: boolean;
}

const CASES: Case[] = [
  { name: 'an interaction payload that is not JSON', req: () => form('payload=%7Bnot-json'), status: [400] },
  { name: 'an interaction payload that is a number', req: () => form('payload=123'), status: [200, 400, 404], slow: true },
  { name: 'an interaction of a kind Slack has not', req: () => interactionRequest({ type: 'weird_kind', user: { id: USER } }), status: [404], slow: true },
  { name: 'a press with an unknown action_id and value', req: () => buttonPress({ user: USER, channel: DM, messageTs: '1700000000.000001', value: 'zz:nothing', actionId: 'zz_unknown' }), status: [200] },
  { name: 'a press on a matter that does not exist', req: () => buttonPress({ user: USER, channel: DM, messageTs: '1700000000.000002', value: 'mx:take:0000-9999', blockId: 'card_0000-9999' }), status: [200] },
  { name: 'a press whose value is 3,000 characters', req: () => buttonPress({ user: USER, channel: DM, messageTs: '1700000000.000003', value: `mx:take:${'x'.repeat(3000)}` }), status: [200] },
  { name: 'a press on a flow button with a forged token', req: () => buttonPress({ user: USER, channel: DM, messageTs: '1700000000.000004', value: 'f:zzzzz:~p-5' }), status: [200] },
  { name: 'an answer button whose locale is 5,000 characters', req: () => buttonPress({ user: USER, channel: DM, messageTs: '1700000000.000005', value: `fx:answer:${'y'.repeat(5000)}` }), status: [200] },
  { name: 'an answer button Slack refuses to open (trigger lapsed)', req: () => buttonPress({ user: USER, channel: DM, messageTs: '1700000000.000006', value: 'fx:answer:zh-CN' }), status: [200] },
  { name: 'a press with control characters', req: () => buttonPress({ user: USER, channel: DM, messageTs: '1700000000.000007', value: `mx:take:${CONTROL}` }), status: [200] },
  { name: 'a press without a user', req: () => interactionRequest({ type: 'block_actions', actions: [{ type: 'button', action_id: 'a', block_id: 'b', value: 'mx:take:1', action_ts: '1' }], trigger_id: '1.2' }), status: [400] },
  { name: 'a press whose user has no id', req: () => interactionRequest({ type: 'block_actions', team: { id: 'T0GRID01' }, user: {}, actions: [{ type: 'button', action_id: 'a', block_id: 'b', value: 'mx:take:1', action_ts: '2' }], trigger_id: '1.4' }), status: [200] },
  { name: 'a modal submission without a view', req: () => interactionRequest({ type: 'view_submission', team: { id: 'T0GRID01' }, user: { id: USER } }), status: [200, 400] },
  { name: 'a modal of a kind we never opened', req: () => view({ callback_id: 'evil_view', private_metadata: '', state: { values: { steal: { v: { type: 'plain_text_input', value: 'x' } } } } }), status: [200], modal: 'errors' },
  { name: 'a modal of no kind, with no inputs', req: () => view({ callback_id: 'evil_view' }), status: [200], modal: 'clear' },
  { name: 'our modal with metadata that is not JSON', req: () => view({ callback_id: 'gl_flow', private_metadata: '{oops', state: textState('你好') }), status: [200], modal: 'errors' },
  { name: 'our modal with metadata of the wrong shape', req: () => view({ callback_id: 'gl_flow', private_metadata: meta({ c: 1, l: 'xx', u: [] }), state: textState('你好') }), status: [200], modal: 'errors' },
  { name: 'our modal without metadata', req: () => view({ callback_id: 'gl_flow', state: textState('你好') }), status: [200], modal: 'errors' },
  { name: 'our modal opened for someone else', req: () => view({ callback_id: 'gl_flow', private_metadata: meta({ c: DM, l: 'zh-CN', u: 'U0SOMEONE9' }), state: textState('替别人填的') }), status: [200], modal: 'errors' },
  { name: 'our modal with a field that is not text', req: () => view({ callback_id: 'gl_flow', private_metadata: meta({ c: DM, l: 'en', u: USER }), state: { values: { text: { v: { type: 'plain_text_input', value: { $ne: 1 } } } } } }), status: [200], modal: 'errors' },
  { name: 'our modal with huge text', req: () => view({ callback_id: 'gl_flow', private_metadata: meta({ c: DM, l: 'zh-CN', u: USER }), state: textState('x'.repeat(300_000)) }), status: [200] },
  { name: 'a modal larger than the 1 MB a request may be', req: () => view({ callback_id: 'gl_flow', private_metadata: meta({ c: DM, l: 'zh-CN', u: USER }), state: textState(HUGE) }), status: [413] },
  { name: 'our modal with control characters', req: () => view({ callback_id: 'gl_flow', private_metadata: meta({ c: DM, l: 'zh-CN', u: USER }), state: textState(CONTROL) }), status: [200] },
  { name: 'a modal closed', req: () => interactionRequest({ type: 'view_closed', user: { id: USER }, view: { id: 'V1', callback_id: 'evil_view' }, is_cleared: false }), status: [200] },
  { name: 'a global shortcut the app never offered', req: () => interactionRequest({ type: 'shortcut', callback_id: 'evil', user: { id: USER }, trigger_id: '1.3' }), status: [200] },
  { name: 'a select asking for options', req: () => interactionRequest({ type: 'block_suggestion', action_id: 'x', block_id: 'y', value: 'q', user: { id: USER } }), status: [200] },
  { name: 'a DM with huge text', req: () => messageEvent({ user: USER, channel: DM, text: HUGE }), status: [200] },
  { name: 'a DM with control characters', req: () => messageEvent({ user: USER, channel: DM, text: CONTROL }), status: [200] },
  { name: 'a message event without user or channel', req: () => ({ body: JSON.stringify({ type: 'event_callback', event_id: 'Ev0BARE', team_id: 'T0GRID01', event: { type: 'message' } }), contentType: 'application/json' }), status: [200] },
  { name: '/grid with huge text', req: () => slashCommand({ user: USER, channel: 'C0GRID', text: `status ${'号'.repeat(50_000)}`, responseUrl: 'https://hooks.slack.com/commands/x' }), status: [200] },
  { name: '/grid with control characters, typed in a channel', req: () => slashCommand({ user: USER, channel: 'C0GRID', text: `status ${CONTROL}`, responseUrl: 'http://127.0.0.1:1/respond/none' }), status: [200] },
  { name: '/grid with a response_url elsewhere', req: () => slashCommand({ user: USER, channel: 'C0GRID', text: 'help', responseUrl: 'http://169.254.169.254/latest' }), status: [200] },
];

describe('forged and hostile Slack requests', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;
  const logs = captureLogs('debug');
  const answered: Array<{ name: string; status: number; ms: number; body: string }> = [];

  beforeAll(async () => {
    store = await openTestStore('postgres');
    api = await FakeSlackApi.start();
    h = await startSlackHarness(store, api, { logger: logs.logger });
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkSlack(store.db, officer.id, USER);
  });
  afterAll(async () => {
    await h?.close();
    await api?.stop();
    await store?.close();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: answered at once', async (_name, c) => {
    if (c.name.includes('trigger lapsed')) api.failNext('views.open', 'expired_trigger_id');
    const started = Date.now();
    const res = await h.send(c.req());
    const ms = Date.now() - started;
    const body = await res.text();
    answered.push({ name: c.name, status: res.status, ms, body });
    expect(c.status).toContain(res.status);
    if (!c.slow) expect(ms).toBeLessThan(2000);
    if (c.modal) {
      const json = JSON.parse(body) as { response_action?: string; errors?: Record<string, string> };
      expect(json.response_action).toBe(c.modal);
      if (c.modal === 'errors') {
        const words = Object.values(json.errors ?? {}).join(' ');
        // Words a person reads, in their language (the metadata's, else the service's default).
        expect(words).toMatch(/表单已失效|no longer valid|内容是空的|nothing written/);
      }
    }
  }, 30_000);

  it('logged none of them at error level, and the service went on working', async () => {
    await h.idle();
    const errors = logs.entries().filter((e) => Number(e.level) >= 50);
    expect(errors.map((e) => e.msg)).toEqual([]);
    // Refused ones were said at warn, naming why, without the words sent.
    const refusals = logs.entries().filter((e) => e.msg === 'slack: a modal submission was refused');
    expect(refusals.map((e) => e.why).sort()).toEqual(['bad_metadata', 'bad_metadata', 'bad_metadata', 'other_user', 'unknown_view', 'unknown_view'].sort());
    expect(logs.lines.join('\n')).not.toContain('替别人填的');
    // Still answering: a plain DM gets its answer.
    const before = api.called('chat.postMessage').length;
    await h.send(messageEvent({ user: USER, channel: DM, text: '/help' }));
    await h.waitCall('chat.postMessage', (c) => api.called('chat.postMessage').indexOf(c) >= before && c.args.channel === USER);
  });
});
