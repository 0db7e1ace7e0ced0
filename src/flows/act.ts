// One action on a matter from a chat, and what to say about it. performAction authorises it again
// from the store; this only turns its answer into kind words.
import type { Action } from '../domain/index.js';
import { formatTime } from '../i18n/index.js';
import { mayAct, type Access } from '../services/desk-service.js';
import { performAction, type ActionRequest, type ActionResult } from '../services/matter-actions.js';
import { say } from './next.js';
import { zoneOf } from './matter-words.js';
import type { FlowContext, Say } from './types.js';

export interface Acted {
  ok: boolean;
  result: ActionResult;
  /** What to tell the person who acted. */
  said: Say;
}

/**
 * Performs the action as the sender. The update's event id (the conversation records the bare id
 * itself) with the action's name makes a second delivery of the same press act once; `step` tells
 * apart two actions of one press (take over = transfer + take).
 */
export async function act(c: FlowContext, ref: string, request: ActionRequest, step?: string): Promise<Acted> {
  if (!c.sender) return { ok: false, result: { ok: false, code: 'not_found' }, said: say('flows:act.failed.not_found') };
  const result = await performAction(c.svc, {
    matter: ref,
    actorId: c.sender.person.id,
    request,
    eventId: `${c.update.eventId}:${step ?? request.action}`,
  });
  return { ok: result.ok, result, said: result.ok ? doneWords(c, request, result) : failureWords(c, result) };
}

function doneWords(c: FlowContext, request: ActionRequest, result: Extract<ActionResult, { ok: true }>): Say {
  const m = result.matter;
  const params = { ref: m.ref, level: c.t(`notify:level_names.${m.level}`) };
  if (request.action === 'evaluate') return say(`flows:act.done.evaluate_${request.rating}`, params);
  if (request.action === 'escalate' && result.holder) return say('flows:act.done.escalate_to', { ...params, name: result.holder });
  return say(`flows:act.done.${request.action}`, params);
}

export function failureWords(c: FlowContext, r: Extract<ActionResult, { ok: false }> | Extract<Access, { ok: false }>): Say {
  const params: Record<string, unknown> = { ref: r.matter?.ref ?? '' };
  if ('retryAt' in r && r.retryAt) params.time = formatTime(r.retryAt, c.locale, zoneOf(c));
  if ('pending' in r && r.pending?.length) params.departments = r.pending.join(c.t('flows:act.list_separator'));
  if (r.code === 'not_now' && r.matter) params.state = r.matter.state === 'open' ? c.t(`common:step.${r.matter.step}`) : c.t(`common:state.${r.matter.state}`);
  return say(`flows:act.failed.${r.code}`, params);
}

/** Checks a press before asking the person anything more (a text, a reason). */
export async function precheck(c: FlowContext, ref: string, action: Action): Promise<Access> {
  if (!c.sender) return { ok: false, code: 'not_found' };
  return mayAct(c.db, c.sender.person.id, ref, action, c.sender.placements);
}
