// The officer's and the cadre's side: /mine (open matters, the most overdue first), and what a
// card's buttons lead to — a reply to the villager, a transfer along the grid line, an escalation,
// a whistle to departments, settling it, supervising it (督办) — and /patrol (发现, or filing for an
// elderly villager). Each action is authorised again by performAction when it is taken.
import { isStaff, mayGoOnLeave, patrolsAUnit, staffPlaces } from '../domain/index.js';
import { heldMatters, helpedMatters, openMatter, reportedMatters } from '../services/desk-service.js';
import { homeOf } from '../services/registration-service.js';
import { transferTargets } from '../services/transfer-targets.js';
import { pendingDepartments } from '../services/whistle-service.js';
import { departmentsAbove, personById, villagersUnder } from '../services/directory-service.js';
import { act } from './act.js';
import { composeSteps } from './compose.js';
import { cardActions } from './card-buttons.js';
import type { DraftPart } from './draft.js';
import { matterDetail } from './matter-detail.js';
import { isOverdue, matterButton, matterLine, when } from './matter-words.js';
import { done, goto, literal, rosterText, say, startFlow, stay } from './next.js';
import type { Choice, Flow, FlowContext, FlowData, Next, Say, Sender } from './types.js';

export interface ActionData extends FlowData {
  ref?: string;
  parts?: DraftPart[];
  /** A transfer's chosen person. */
  to?: string;
  /** A department (whistle, sign-off, rating). */
  dept?: string;
  /** A department's score, 1–5, as chosen. */
  score?: string;
}

type C = FlowContext<ActionData>;

const inGroup = (c: FlowContext) => c.update.chatType === 'group';

/** Works the grid (isStaff): offered the desk and patrol instead of a villager's menus. */
export const isStaffSender = (sender: Sender | null): boolean => isStaff(sender?.placements ?? []);

/** Where each card action leads: a flow that asks what it needs, or nothing to ask. */
export const ACTION_FLOWS: Partial<Record<string, string>> = {
  reply: 'reply',
  transfer: 'transfer',
  escalate: 'escalate',
  settle: 'settle',
  supervise: 'supervise',
  whistle: 'whistle',
  sign_off: 'sign_off',
  mark_size: 'mark_size',
  set_topic: 'set_topic',
  rate_department: 'rate_department',
};

/** Transfer to oneself, then take: a cadre taking a matter over (我来接手). */
export async function takeOver(c: FlowContext, ref: string): Promise<{ ok: boolean; said: Say }> {
  const moved = await act(c, ref, { action: 'transfer', toPersonId: c.sender?.person.id ?? '', reason: c.t('flows:officer.takeover_reason') }, 'transfer');
  if (!moved.ok) return moved;
  const taken = await act(c, ref, { action: 'take' }, 'take');
  return taken.ok ? { ok: true, said: say('flows:act.done.takeover', { ref }) } : taken;
}

/** Why a matter cannot be settled yet (departments still to sign off), or null when it can. */
export async function settleRefusal(c: FlowContext, matterId: string, ref: string): Promise<Say | null> {
  const pending = await pendingDepartments(c.db, matterId);
  return pending.length ? say('flows:act.failed.departments_pending', { ref, departments: pending.join(c.t('flows:act.list_separator')) }) : null;
}

// ── /mine for staff ──────────────────────────────────────────────────────────

async function deskList(c: FlowContext) {
  return c.sender ? heldMatters(c.db, c.sender.person.id) : [];
}

/** Matters the person helps on (relieved by a climb or a cadre, or summoned as a liaison). */
async function helpList(c: FlowContext) {
  return c.sender ? helpedMatters(c.db, c.sender.person.id) : [];
}

/** What she holds (overdue marked) and helps on; what /mine and the App Home show first. */
export async function deskSummary(c: FlowContext): Promise<Say[]> {
  const list = await deskList(c);
  const helping = await helpList(c);
  const own = c.sender ? (await reportedMatters(c.db, c.sender.person.id)).length : 0;
  if (!list.length && !helping.length) return [say(own ? 'flows:desk.none_but_own' : 'flows:desk.none')];
  const overdue = list.filter((m) => isOverdue(m, c.now)).length;
  const lineOf = (m: (typeof list)[number]) => {
    const due = m.dueAt ? c.t(isOverdue(m, c.now) ? 'flows:desk.overdue_mark' : 'flows:desk.due_mark', { due: when(c, m.dueAt) }) : '';
    return `${matterLine(c, m)} ${due}`.trim();
  };
  const out: Say[] = list.length ? [say('flows:desk.title', { count: list.length, overdue }), literal(list.slice(0, 12).map(lineOf).join('\n'))] : [say('flows:desk.none_held')];
  if (helping.length) out.push(say('flows:desk.helping_title', { count: helping.length }), literal(helping.slice(0, 12).map(lineOf).join('\n')));
  return out;
}

export const deskFlow: Flow<ActionData> = {
  name: 'desk',
  first: 'list',
  timeoutMinutes: 60,
  steps: {
    list: {
      prompt: deskSummary,
      expect: {
        choices: async (c) => {
          const out: Choice[] = (await deskList(c)).map((m) => ({ value: m.ref, label: literal(`${isOverdue(m, c.now) ? '⚠️' : ''}${matterButton(c, m)}`) }));
          for (const m of await helpList(c)) if (!out.some((x) => x.value === m.ref)) out.push({ value: m.ref, label: say('flows:desk.helping_button', { matter: matterButton(c, m) }) });
          if (c.sender && (await reportedMatters(c.db, c.sender.person.id)).length) out.push({ value: 'own', label: say('flows:desk.own') });
          return out;
        },
        columns: 1,
      },
      next: (input) => {
        if (input.kind !== 'choice') return stay();
        if (input.value === 'own') return startFlow('mine');
        return goto('detail', { data: { ref: input.value } });
      },
    },

    detail: {
      prompt: async (c) => {
        if (!c.sender || !c.data.ref) return say('flows:act.failed.not_found');
        const access = await openMatter(c.db, c.sender.person.id, c.data.ref, c.sender.placements);
        if (!access.ok) return say('flows:act.failed.not_found');
        return matterDetail(c, access.matter, access.relations.some((r) => r !== 'reporter') ? 'staff' : 'resident');
      },
      expect: {
        choices: async (c) => {
          const back: Choice = { value: 'back', label: say('flows:mine.back') };
          if (!c.sender || !c.data.ref) return [back];
          const access = await openMatter(c.db, c.sender.person.id, c.data.ref, c.sender.placements);
          if (!access.ok) return [back];
          return [...cardActions(access.matter, access.relations).map((a) => ({ value: a, label: say(`notify:actions.${a}`) })), back];
        },
        columns: 3,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice') return stay();
        const ref = c.data.ref ?? '';
        if (input.value === 'back') return goto('list', { data: { ref: undefined } });
        if (input.value === 'take') {
          const r = await act(c, ref, { action: 'take' });
          return goto('detail', { say: [r.said] });
        }
        if (input.value === 'takeover') {
          const r = await takeOver(c, ref);
          return goto('detail', { say: [r.said] });
        }
        if (input.value === 'settle') {
          const access = c.sender ? await openMatter(c.db, c.sender.person.id, ref, c.sender.placements) : null;
          const refused = access?.ok ? await settleRefusal(c, access.matter.id, ref) : null;
          if (refused) return goto('detail', { say: [refused] });
        }
        const flow = ACTION_FLOWS[input.value];
        return flow ? startFlow(flow, { data: { ref } }) : stay();
      },
    },
  },
};

// ── the actions that need a word more ────────────────────────────────────────

/** 回复: what the officer writes (and photographs) goes to the villager with their name and role. */
export const replyFlow: Flow<ActionData> = {
  name: 'reply',
  first: 'write',
  timeoutMinutes: 120,
  steps: composeSteps<ActionData>({ write: 'write', more: 'more', writePrompt: 'flows:compose.reply_prompt', morePrompt: 'flows:compose.reply_more', action: 'reply', menu: false }),
};

async function matterOf(c: C) {
  if (!c.sender || !c.data.ref) return null;
  const access = await openMatter(c.db, c.sender.person.id, c.data.ref, c.sender.placements);
  return access.ok ? access.matter : null;
}

/** 转办: to someone along the matter's grid line; a reason is asked in a private chat. */
export const transferFlow: Flow<ActionData> = {
  name: 'transfer',
  first: 'pick',
  timeoutMinutes: 60,
  steps: {
    pick: {
      prompt: (c) => say('flows:transfer.pick', { ref: c.data.ref ?? '' }),
      expect: {
        choices: async (c) => {
          const matter = await matterOf(c);
          if (!matter) return [];
          const staff = await transferTargets(c.db, matter);
          return staff
            .filter((s) => s.personId !== c.sender?.person.id || !matter.assigneeId)
            .map((s) => ({ value: s.personId, label: rosterText(`${s.name}${s.title ? `（${s.title}）` : ''}${s.onLeave ? c.t('flows:transfer.on_leave') : ''}`) }));
        },
        columns: 1,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice') return stay();
        if (inGroup(c)) return transferNow(c, input.value, undefined);
        return goto('reason', { data: { to: input.value } });
      },
    },
    reason: {
      prompt: (c) => say('flows:transfer.reason'),
      expect: { accepts: ['text'], skippable: true, maxChars: 500 },
      next: (input, c) => transferNow(c, c.data.to ?? '', input.kind === 'text' ? input.text : undefined),
    },
  },
};

async function transferNow(c: C, to: string, reason: string | undefined): Promise<Next> {
  const person = await personById(c.db, to);
  const r = await act(c, c.data.ref ?? '', { action: 'transfer', toPersonId: to, ...(reason ? { reason } : {}) });
  return done({ say: [r.ok ? say('flows:act.done.transfer_to', { ref: c.data.ref ?? '', name: person?.name ?? '' }) : r.said] });
}

/** 上报: one level up the ladder (or, at its top, the level above is alerted). */
export const escalateFlow: Flow<ActionData> = {
  name: 'escalate',
  first: 'reason',
  timeoutMinutes: 60,
  steps: {
    reason: {
      prompt: (c) => say('flows:escalate.reason', { ref: c.data.ref ?? '' }),
      expect: { accepts: ['text'], skippable: true, maxChars: 500 },
      next: async (input, c) => {
        const r = await act(c, c.data.ref ?? '', { action: 'escalate', ...(input.kind === 'text' ? { reason: input.text } : {}) });
        return done({ say: [r.said] });
      },
    },
  },
};

/** 办结: the result, which the villager is told and then asked to rate. */
export const settleFlow: Flow<ActionData> = {
  name: 'settle',
  first: 'result',
  timeoutMinutes: 120,
  steps: {
    result: {
      prompt: (c) => say('flows:settle.result', { ref: c.data.ref ?? '' }),
      expect: {
        choices: () => [{ value: 'cancel', label: say('flows:compose.cancel') }],
        accepts: ['text'],
        maxChars: 4000,
      },
      next: async (input, c) => {
        if (input.kind !== 'text') return done({ say: [say('flows:compose.cancelled')] });
        const r = await act(c, c.data.ref ?? '', { action: 'settle', result: input.text });
        return done({ say: [r.said] });
      },
    },
  },
};

const SUPERVISE_NOTES = ['hurry', 'today', 'visit'] as const;

/** 督办: a cadre presses the holder; a few ready words work in a group too. */
export const superviseFlow: Flow<ActionData> = {
  name: 'supervise',
  first: 'note',
  timeoutMinutes: 60,
  steps: {
    note: {
      prompt: (c) => say(inGroup(c) ? 'flows:supervise.note_group' : 'flows:supervise.note', { ref: c.data.ref ?? '' }),
      expect: {
        choices: () => SUPERVISE_NOTES.map((n) => ({ value: n, label: say(`flows:supervise.notes.${n}`) })),
        columns: 1,
        accepts: ['text'],
        maxChars: 500,
      },
      next: async (input, c) => {
        const note = input.kind === 'text' ? input.text : input.kind === 'choice' ? c.t(`flows:supervise.notes.${input.value}`) : undefined;
        const r = await act(c, c.data.ref ?? '', { action: 'supervise', ...(note ? { note } : {}) });
        return done({ say: [r.said] });
      },
    },
  },
};

/** 吹哨: summons a department serving the matter's line of the tree, with the reason. */
export const whistleFlow: Flow<ActionData> = {
  name: 'whistle',
  first: 'department',
  timeoutMinutes: 60,
  steps: {
    department: {
      prompt: (c) => say('flows:whistle.department', { ref: c.data.ref ?? '' }),
      expect: {
        choices: async (c) => {
          const matter = await matterOf(c);
          return (matter ? await departmentsAbove(c.db, matter.gridNodeId) : []).map((d) => ({ value: d.code, label: rosterText(d.name) }));
        },
        columns: 1,
      },
      next: (input) => (input.kind === 'choice' ? goto('reason', { data: { dept: input.value } }) : stay()),
    },
    reason: {
      prompt: () => say('flows:whistle.reason'),
      expect: {
        choices: (c) => (inGroup(c) ? [{ value: 'default', label: say('flows:whistle.default_reason') }] : []),
        accepts: ['text'],
        maxChars: 500,
      },
      next: async (input, c) => {
        const reason = input.kind === 'text' ? input.text : c.t('flows:whistle.default_reason');
        const r = await act(c, c.data.ref ?? '', { action: 'whistle', departments: [c.data.dept ?? ''], reason });
        return done({ say: [r.said] });
      },
    },
  },
};

/** A summoned department signs off its part, with a word on what it did. */
export const signOffFlow: Flow<ActionData> = {
  name: 'sign_off',
  first: 'note',
  timeoutMinutes: 120,
  steps: {
    note: {
      prompt: (c) => say('flows:sign_off.note', { ref: c.data.ref ?? '' }),
      expect: { accepts: ['text'], skippable: true, maxChars: 1000 },
      next: async (input, c) => {
        const r = await act(c, c.data.ref ?? '', { action: 'sign_off', ...(c.data.dept ? { department: c.data.dept } : {}), ...(input.kind === 'text' ? { note: input.text } : {}) });
        return done({ say: [r.said] });
      },
    },
  },
};

const DEPARTMENT_SCORES = [5, 4, 3, 2, 1] as const;

/** 部门评价: the holder (or the whistler, or the township) rates a department's part 1–5, with a word if they like. */
export const rateDepartmentFlow: Flow<ActionData> = {
  name: 'rate_department',
  first: 'score',
  timeoutMinutes: 120,
  steps: {
    score: {
      prompt: async (c) => say('flows:rate_department.score', { ref: c.data.ref ?? '', department: (await departmentName(c)) ?? '' }),
      expect: { choices: () => DEPARTMENT_SCORES.map((n) => ({ value: String(n), label: say(`flows:rate_department.scores.${n}`) })), columns: 1 },
      next: async (input, c) => {
        if (input.kind !== 'choice') return stay();
        // A group's chatter never reaches us: the score alone there.
        if (inGroup(c)) return rateNow(c, Number(input.value), undefined);
        return goto('comment', { data: { score: input.value } });
      },
    },
    comment: {
      prompt: () => say('flows:rate_department.comment'),
      expect: { accepts: ['text'], skippable: true, maxChars: 500 },
      next: (input, c) => rateNow(c, Number(c.data.score), input.kind === 'text' ? input.text : undefined),
    },
  },
};

async function departmentName(c: C): Promise<string | null> {
  const matter = await matterOf(c);
  if (!matter || !c.data.dept) return null;
  return (await departmentsAbove(c.db, matter.gridNodeId)).find((d) => d.code === c.data.dept)?.name ?? null;
}

async function rateNow(c: C, score: number, comment: string | undefined): Promise<Next> {
  const r = await act(c, c.data.ref ?? '', { action: 'rate_department', department: c.data.dept ?? '', rating: score, ...(comment ? { comment } : {}) });
  return done({ say: [r.ok ? say('flows:act.done.rate_department_named', { ref: c.data.ref ?? '', department: (await departmentName(c)) ?? '', score }) : r.said] });
}

// ── /patrol ──────────────────────────────────────────────────────────────────

export interface PatrolData extends FlowData {
  mode?: 'patrol' | 'for';
}

const staffPaths = (sender: Sender | null) => [...new Set(staffPlaces(sender?.placements ?? []).map((p) => p.node.path))];

/** 发现 (what the officer found) or filing for a villager of their grid who cannot do it themselves. */
export const patrolFlow: Flow<PatrolData> = {
  name: 'patrol',
  first: 'mode',
  timeoutMinutes: 60,
  steps: {
    mode: {
      prompt: () => say('flows:patrol.mode'),
      expect: {
        choices: (c) => [
          ...(patrolsAUnit(c.sender?.placements ?? []) ? [{ value: 'patrol', label: say('flows:patrol.found') }] : []),
          { value: 'for', label: say('flows:patrol.for_villager') },
        ],
        columns: 1,
      },
      next: (input) => {
        if (input.kind !== 'choice') return stay();
        return input.value === 'patrol' ? startFlow('report', { data: { mode: 'patrol' } }) : goto('villager');
      },
    },
    villager: {
      prompt: () => say('flows:patrol.villager'),
      expect: {
        choices: async (c) => (await villagersUnder(c.db, staffPaths(c.sender))).map((r) => ({ value: r.personId, label: rosterText(`${r.name}（${r.unitName}）`) })),
        columns: 2,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice') return stay();
        const person = await personById(c.db, input.value);
        return startFlow('report', { data: { mode: 'for', onBehalfOf: input.value, forName: person?.name ?? '' } });
      },
    },
  },
};

/** /patrol: for staff only; everyone else is shown how to report. */
export function startPatrol(c: FlowContext): Next {
  if (!isStaffSender(c.sender)) return done({ say: [say('flows:patrol.staff_only')], menu: Boolean(c.sender && homeOf(c.sender.placements)) });
  return startFlow('patrol');
}

/** /leave and /back: 有事请假 — routing passes new matters to the backups meanwhile. */
export async function setDuty(c: FlowContext, onLeave: boolean, write: (personId: string, onLeave: boolean) => Promise<void>): Promise<Next> {
  if (!c.sender || !mayGoOnLeave(c.sender.placements.map((p) => p.role))) return done({ say: [say('flows:duty.staff_only')] });
  await write(c.sender.person.id, onLeave);
  const held = (await heldMatters(c.db, c.sender.person.id)).length;
  return done({ say: [say(onLeave ? 'flows:duty.leave' : 'flows:duty.back', { name: c.sender.person.name, count: held })] });
}

