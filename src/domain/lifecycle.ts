// 八步工作法 as a transition table: which action moves a matter where, and who may take it.
import { TransitionError } from './errors.js';
import { STEPS, type MatterState, type Step } from './types.js';

export const ACTIONS = [
  'report',
  'receive',
  'route',
  'take',
  'reply',
  'transfer',
  'escalate',
  'supervise',
  'settle',
  'evaluate',
  'reopen',
  'withdraw',
  'urge',
  'add_info',
  'note',
  // 网格吹哨、部门报到
  'whistle',
  'report_in',
  'sign_off',
  'rate_department',
  // Waiting on the villager's answer stops the deadline clocks.
  'pause',
  'resume',
  // 大事/小事 and the topic grid (多网合一), decided by whoever holds the matter or a cadre above.
  'mark_size',
  'set_topic',
  // The villager's words, sent privately to staff who ask (a group alert shows none); logged.
  'view',
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Every kind of event the matter log holds: the actions, and what the system records on its own
 * (routing found nobody, a time limit passed, a summoned department did not report in, the
 * villager's answer to a 回访 question). Each one
 * has its line in flows:event (a test fails when one is missing).
 */
export const EVENT_KINDS = [...ACTIONS, 'route_failed', 'deadline_missed', 'report_in_overdue', 'follow_up_answer'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** How the acting person stands to the matter; the caller works these out from the store. */
export const RELATIONS = [
  'system',
  'reporter',
  'recorder',
  'assignee',
  'grid_officer',
  'cadre_above',
  'liaison',
  // Relieved of the matter by a climb or a cadre, and still helping on it (see keepsHelping).
  'helper',
] as const;
export type Relation = (typeof RELATIONS)[number];

export interface MatterPosition {
  step: Step;
  state: MatterState;
}

export interface Transition {
  readonly action: Action;
  /** Where the action applies; null means it creates the matter. */
  readonly from: { readonly steps: readonly Step[]; readonly states: readonly MatterState[] } | null;
  /** 'same' keeps the current value. */
  readonly to: { readonly step: Step | 'same'; readonly state: MatterState | 'same' };
  readonly by: readonly Relation[];
}

export type Decision =
  | { ok: true; step: Step; state: MatterState }
  | { ok: false; code: 'not_permitted' | 'not_now' };

/** Steps an open matter is worked in once it has been accepted and routed. */
const WORKED: readonly Step[] = ['dispatch', 'handle', 'track', 'supervise'];
const ACTIVE: readonly Step[] = ['handle', 'track', 'supervise'];
const OPEN: readonly MatterState[] = ['open'];
/** Relations that make someone staff on this matter: they see its workings, notes and the villager's words. */
export const STAFF_RELATIONS: readonly Relation[] = ['assignee', 'recorder', 'grid_officer', 'cadre_above', 'liaison', 'helper'];
const STAFF = STAFF_RELATIONS;

export const TRANSITIONS: readonly Transition[] = [
  { action: 'report', from: null, to: { step: 'discover', state: 'open' }, by: ['reporter', 'recorder'] },
  { action: 'receive', from: { steps: ['discover'], states: OPEN }, to: { step: 'accept', state: 'same' }, by: ['system'] },
  { action: 'route', from: { steps: ['accept'], states: OPEN }, to: { step: 'dispatch', state: 'same' }, by: ['system'] },
  { action: 'take', from: { steps: ['dispatch'], states: OPEN }, to: { step: 'handle', state: 'same' }, by: ['assignee'] },
  // From dispatch a reply is an implicit take.
  { action: 'reply', from: { steps: WORKED, states: OPEN }, to: { step: 'track', state: 'same' }, by: ['assignee'] },
  { action: 'transfer', from: { steps: WORKED, states: OPEN }, to: { step: 'dispatch', state: 'same' }, by: ['assignee', 'cadre_above'] },
  // One routing could give to nobody is given out by hand from above (the 'unassigned' alert).
  { action: 'transfer', from: { steps: ['accept'], states: OPEN }, to: { step: 'dispatch', state: 'same' }, by: ['cadre_above'] },
  // The level climbs too, but the ladder decides that, not this table.
  { action: 'escalate', from: { steps: WORKED, states: OPEN }, to: { step: 'supervise', state: 'same' }, by: ['system', 'assignee', 'cadre_above'] },
  { action: 'supervise', from: { steps: WORKED, states: OPEN }, to: { step: 'supervise', state: 'same' }, by: ['cadre_above'] },
  { action: 'settle', from: { steps: ACTIVE, states: OPEN }, to: { step: 'feedback', state: 'settled' }, by: ['assignee', 'cadre_above'] },
  { action: 'evaluate', from: { steps: ['feedback'], states: ['settled'] }, to: { step: 'evaluate', state: 'closed' }, by: ['reporter'] },
  { action: 'reopen', from: { steps: ['feedback', 'evaluate'], states: ['settled', 'closed'] }, to: { step: 'dispatch', state: 'open' }, by: ['system'] },
  { action: 'withdraw', from: { steps: STEPS, states: ['open', 'settled'] }, to: { step: 'same', state: 'withdrawn' }, by: ['reporter'] },
  { action: 'urge', from: { steps: STEPS, states: OPEN }, to: { step: 'same', state: 'same' }, by: ['reporter'] },
  { action: 'add_info', from: { steps: STEPS, states: OPEN }, to: { step: 'same', state: 'same' }, by: ['reporter'] },
  // Internal notes stay possible after closing: the ledger is kept afterwards too.
  { action: 'note', from: { steps: STEPS, states: ['open', 'settled', 'closed', 'withdrawn'] }, to: { step: 'same', state: 'same' }, by: STAFF },
  // A whistle is part of handling: the assignee takes the matter first.
  { action: 'whistle', from: { steps: ACTIVE, states: OPEN }, to: { step: 'same', state: 'same' }, by: ['assignee', 'grid_officer', 'cadre_above'] },
  { action: 'report_in', from: { steps: STEPS, states: OPEN }, to: { step: 'same', state: 'same' }, by: ['liaison'] },
  { action: 'sign_off', from: { steps: STEPS, states: OPEN }, to: { step: 'same', state: 'same' }, by: ['liaison'] },
  // The service narrows this to the holder, the whistler and cadres at township level or above (mayRateDepartment).
  { action: 'rate_department', from: { steps: STEPS, states: ['open', 'settled', 'closed'] }, to: { step: 'same', state: 'same' }, by: ['assignee', 'grid_officer', 'cadre_above', 'helper'] },
  // The villager's own answer (add_info) resumes too; the service refuses a pause while paused.
  { action: 'pause', from: { steps: ACTIVE, states: OPEN }, to: { step: 'same', state: 'same' }, by: ['assignee'] },
  { action: 'resume', from: { steps: ACTIVE, states: OPEN }, to: { step: 'same', state: 'same' }, by: ['assignee', 'system'] },
  // At accept (a matter nobody could take yet, for the cadre) or any time while it is worked.
  { action: 'mark_size', from: { steps: ['accept', ...WORKED], states: OPEN }, to: { step: 'same', state: 'same' }, by: ['assignee', 'cadre_above'] },
  { action: 'set_topic', from: { steps: ['accept', ...WORKED], states: OPEN }, to: { step: 'same', state: 'same' }, by: ['assignee', 'cadre_above'] },
  { action: 'view', from: { steps: STEPS, states: ['open', 'settled', 'closed', 'withdrawn'] }, to: { step: 'same', state: 'same' }, by: STAFF },
];

export function isOpen(state: MatterState): boolean {
  return state === 'open';
}

function permits(t: Transition, relations: readonly Relation[]): boolean {
  return t.by.some((r) => relations.includes(r));
}

function appliesTo(t: Transition, matter: MatterPosition | null): boolean {
  if (t.from === null || matter === null) return t.from === null && matter === null;
  return t.from.steps.includes(matter.step) && t.from.states.includes(matter.state);
}

/**
 * What `action` does to `matter` when taken by someone with `relations`.
 * Pass `matter: null` for 'report', which creates the matter.
 * Permission is checked before the step, so a stranger learns nothing about the matter.
 */
export function decide(
  matter: MatterPosition | null,
  action: Action,
  relations: readonly Relation[],
): Decision {
  const permitted = TRANSITIONS.filter((t) => t.action === action && permits(t, relations));
  if (permitted.length === 0) return { ok: false, code: 'not_permitted' };
  const t = permitted.find((row) => appliesTo(row, matter));
  const step = t?.to.step === 'same' ? matter?.step : t?.to.step;
  const state = t?.to.state === 'same' ? matter?.state : t?.to.state;
  if (step === undefined || state === undefined) return { ok: false, code: 'not_now' };
  return { ok: true, step, state };
}

/** Like decide, but throws a TransitionError when refused. */
export function transition(
  matter: MatterPosition | null,
  action: Action,
  relations: readonly Relation[],
): MatterPosition {
  const d = decide(matter, action, relations);
  if (!d.ok) throw new TransitionError(d.code, action, matter?.step ?? null, matter?.state ?? null);
  return { step: d.step, state: d.state };
}

/** The actions these relations may take on the matter now, in ACTIONS order (the buttons to show). */
export function allowedActions(matter: MatterPosition | null, relations: readonly Relation[]): Action[] {
  return ACTIONS.filter((a) => decide(matter, a, relations).ok);
}
