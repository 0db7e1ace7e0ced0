// Requests as Slack sends them: events as JSON, interactions as `payload=<json>`, slash commands
// form-encoded; each signed with v0 HMAC-SHA256 over `v0:<timestamp>:<body>`.
import { createHmac, randomBytes } from 'node:crypto';
import { BOT } from './fake-slack-api.js';

export const SIGNING_SECRET = 'test-signing-secret-8d2f';

export interface SlackRequest {
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export function sign(body: string, opts: { secret?: string; timestamp?: number } = {}): Record<string, string> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', opts.secret ?? SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${sig}` };
}

export async function post(url: string, req: SlackRequest, opts: { secret?: string; timestamp?: number; signature?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': req.contentType, ...sign(req.body, opts), ...req.headers };
  if (opts.signature) headers['x-slack-signature'] = opts.signature;
  return fetch(url, { method: 'POST', headers, body: req.body });
}

let n = 0;
const id = (p: string) => `${p}${Date.now().toString(36).toUpperCase()}${++n}`;

export function eventRequest(event: Record<string, unknown>, opts: { eventId?: string; retryNum?: number } = {}): SlackRequest & { eventId: string } {
  const eventId = opts.eventId ?? id('Ev');
  const body = JSON.stringify({
    token: 'legacy',
    team_id: BOT.team_id,
    api_app_id: 'A0GRID01',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: BOT.team_id, user_id: BOT.user_id, is_bot: true }],
    event: { event_ts: `${Date.now() / 1000}`, ...event },
  });
  return {
    eventId,
    body,
    contentType: 'application/json',
    ...(opts.retryNum ? { headers: { 'x-slack-retry-num': String(opts.retryNum), 'x-slack-retry-reason': 'http_timeout' } } : {}),
  };
}

/** A message typed by `user` in `channel` (a thread reply when threadTs is given). */
export function messageEvent(a: { user: string; channel: string; text: string; threadTs?: string; channelType?: string; files?: unknown[] }, opts: { eventId?: string; retryNum?: number } = {}) {
  const ts = `${Math.floor(Date.now() / 1000)}.${String(++n).padStart(6, '0')}`;
  return {
    ts,
    ...eventRequest(
      {
        type: 'message',
        user: a.user,
        channel: a.channel,
        channel_type: a.channelType ?? 'im',
        text: a.text,
        ts,
        ...(a.threadTs ? { thread_ts: a.threadTs } : {}),
        ...(a.files ? { subtype: 'file_share', files: a.files } : {}),
      },
      opts,
    ),
  };
}

export function interactionRequest(payload: Record<string, unknown>): SlackRequest {
  return { body: `payload=${encodeURIComponent(JSON.stringify(payload))}`, contentType: 'application/x-www-form-urlencoded' };
}

/** A press on a button of a message the bot posted. */
export function buttonPress(a: { user: string; channel: string; messageTs: string; value: string; actionId?: string; blockId?: string; responseUrl?: string; messageText?: string; ephemeral?: boolean }): SlackRequest & { triggerId: string } {
  const triggerId = `${Date.now()}.${randomBytes(4).toString('hex')}`;
  return {
    triggerId,
    ...interactionRequest({
      type: 'block_actions',
      team: { id: BOT.team_id },
      user: { id: a.user, team_id: BOT.team_id },
      api_app_id: 'A0GRID01',
      trigger_id: triggerId,
      // An ephemeral message (an answer to /grid in a channel) comes back without the message itself.
      container: { type: 'message', message_ts: a.messageTs, channel_id: a.channel, ...(a.ephemeral ? { is_ephemeral: true } : {}) },
      channel: { id: a.channel },
      ...(a.ephemeral ? {} : { message: { ts: a.messageTs, text: a.messageText ?? '', type: 'message' } }),
      response_url: a.responseUrl ?? 'http://127.0.0.1:1/none',
      actions: [{ type: 'button', action_id: a.actionId ?? 'mx_btn', block_id: a.blockId ?? 'b', value: a.value, action_ts: `${Date.now() / 1000}${++n}` }],
    }),
  };
}

/** Submits a modal the bot opened (as recorded by views.open), with input values by block id. */
export function viewSubmission(a: { user: string; view: Record<string, any>; values: Record<string, string | { selected: string }> }): SlackRequest {
  const state: Record<string, Record<string, unknown>> = {};
  for (const [block, v] of Object.entries(a.values)) {
    state[block] = { v: typeof v === 'string' ? { type: 'plain_text_input', value: v } : { type: 'static_select', selected_option: { value: v.selected, text: { type: 'plain_text', text: v.selected } } } };
  }
  return interactionRequest({
    type: 'view_submission',
    team: { id: BOT.team_id },
    user: { id: a.user, team_id: BOT.team_id },
    api_app_id: 'A0GRID01',
    trigger_id: `${Date.now()}.x`,
    view: { id: id('V'), team_id: BOT.team_id, type: 'modal', callback_id: a.view.callback_id, private_metadata: a.view.private_metadata, hash: 'h', state: { values: state } },
  });
}

export function slashCommand(a: { user: string; channel: string; text: string; responseUrl: string }): SlackRequest {
  const params = new URLSearchParams({
    token: 'legacy',
    team_id: BOT.team_id,
    channel_id: a.channel,
    user_id: a.user,
    command: '/grid',
    text: a.text,
    response_url: a.responseUrl,
    trigger_id: `${Date.now()}.${++n}`,
    api_app_id: 'A0GRID01',
  });
  return { body: params.toString(), contentType: 'application/x-www-form-urlencoded' };
}
