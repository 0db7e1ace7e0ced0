// The queue's side of Slack: each acknowledged request is worked here. Every press and reply is
// authorised again by performAction from the store (button data is forgeable); a refusal is
// answered with an ephemeral message only the presser sees.
import { decide } from '../../domain/index.js';
import { formatTime, i18n, translator } from '../../i18n/index.js';
import type { JobOutcome } from '../../queue/jobs.js';
import { pendingDepartments } from '../../services/whistle-service.js';
import type { ServiceContext } from '../../services/context.js';
import { performAction, parseActionData, RATINGS, relationsOf, type ActionRequest, type ActionResult, type Rating } from '../../services/matter-actions.js';
import { findMatterByRef } from '../../store/repositories/matter-repository.js';
import { findByIdentity, findPerson, type PersonRow } from '../../store/repositories/people-repository.js';
import { cardAt } from '../../store/repositories/slack-card-repository.js';
import { summonableDepartments, transferTargets } from '../../services/transfer-targets.js';
import type { FlowEngine } from '../../flows/index.js';
import { actionModal, isModalAction, type ModalMeta } from './blocks.js';
import type { SlackApi } from './slack-api.js';
import { answerModal, FLOW_MODAL_CALLBACK, submitToFlows, toChatUpdates } from './slack-conversation.js';
import { SlackDesk } from './slack-desk.js';
import { attachmentsOf } from './slack-files.js';
import type { SlackJob } from './slack-job.js';

/** `note:` / `备注：` (either colon) keeps a thread reply internal. */
const NOTE_PREFIX = /^\s*(?:note|备注|備註)\s*[:：]\s*/i;

export function splitNote(text: string): { note: boolean; text: string } {
  const m = NOTE_PREFIX.exec(text);
  return m ? { note: true, text: text.slice(m[0].length) } : { note: false, text };
}

/**
 * Card and staff actions Slack answers itself (at once, or in a modal). The rest — a villager's
 * add details, rating, urging, withdrawing, opening a matter — go to the flows when they run, so a
 * villager in Slack gets the same conversation as on Telegram.
 */
const OWN_ACTIONS = new Set(['take', 'takeover', 'supervise', 'report_in', 'sign_off', 'settle', 'reply', 'transfer', 'escalate', 'whistle']);

export class SlackWorker {
  private readonly desk: SlackDesk;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly api: SlackApi,
    private readonly timezone: string,
    private readonly defaultLocale = 'zh-CN',
    /** The conversation flows; DMs that are not about a card go to them. */
    private readonly flows: FlowEngine | null = null,
  ) {
    this.desk = new SlackDesk(ctx, api, timezone, defaultLocale, flows);
  }

  /** Whether a matter button's action is the flows' to answer. */
  delegates(action: string): boolean {
    return this.flows !== null && !OWN_ACTIONS.has(action);
  }

  /** Hands the job to the flow engine (through the `chat` queue); false when no flows run. */
  private async toFlows(job: SlackJob): Promise<boolean> {
    if (!this.flows) return false;
    await submitToFlows(this.ctx, toChatUpdates(job, this.ctx.now()));
    return true;
  }

  async handle(job: SlackJob): Promise<JobOutcome> {
    switch (job.kind) {
      case 'message':
        return this.onMessage(job);
      case 'action':
        return this.onAction(job);
      case 'submit':
        return this.onSubmit(job);
      case 'command':
        return this.desk.command(job, () => this.toFlows(job));
      case 'home':
        return this.desk.home(job);
    }
  }

  private async person(user: string): Promise<PersonRow | null> {
    return (await findByIdentity(this.ctx.db, 'slack', user))?.person ?? null;
  }

  private tr(person: PersonRow | null) {
    return translator(person?.locale ?? this.defaultLocale);
  }

  /** Says something only `user` sees: ephemeral where they pressed, else in their DM. */
  private async tell(user: string, where: { channel?: string; threadTs?: string }, text: string): Promise<void> {
    if (where.channel) await this.api.ephemeral({ channel: where.channel, user, text, threadTs: where.threadTs });
    else await this.api.post({ channel: user, text });
  }

  private refusal(result: Extract<ActionResult, { ok: false }>, person: PersonRow | null): string {
    const tr = this.tr(person);
    const m = result.matter;
    // A refusal code added later still gets words, if not the exact ones.
    const key = i18n().exists(`slack:refuse.${result.code}`) ? `slack:refuse.${result.code}` : 'slack:refuse.not_permitted';
    return tr(key, {
      step: m ? tr(`common:step.${m.step}`) : '',
      state: m ? tr(`common:state.${m.state}`) : '',
      at: result.retryAt ? formatTime(result.retryAt, person?.locale ?? this.defaultLocale, person?.timezone ?? this.timezone) : '',
      departments: (result.pending ?? []).join(tr('flows:act.list_separator')),
    });
  }

  private done(action: string, result: Extract<ActionResult, { ok: true }>, person: PersonRow, extra: Record<string, unknown> = {}): string {
    const key = result.notice === 'reopened' ? 'reopened' : action;
    return this.tr(person)(`slack:done.${key}`, { ref: result.matter.ref, ...extra });
  }

  // ---- called inline by the listeners (a modal must open within 3 s of the press) ----

  /** Opens the modal an action needs, after checking the presser may take it now. */
  async openModal(a: { user: string; triggerId: string; action: ModalMeta['a']; ref: string; channel?: string; threadTs?: string }): Promise<void> {
    const person = await this.person(a.user);
    const where = { channel: a.channel, threadTs: a.threadTs };
    if (!person) return this.tell(a.user, where, this.tr(null)('slack:refuse.not_linked'));
    const matter = await findMatterByRef(this.ctx.db, a.ref);
    const rel = matter ? await relationsOf(this.ctx.db, person.id, matter) : [];
    if (!matter || !rel.length) return this.tell(a.user, where, this.tr(person)('slack:refuse.not_found'));
    const d = decide(matter, a.action, rel);
    if (!d.ok) return this.tell(a.user, where, this.refusal({ ok: false, code: d.code, matter }, person));
    // 吹哨报到: refused at the press, before the holder writes a word, naming who is still at work.
    const pending = a.action === 'settle' ? await pendingDepartments(this.ctx.db, matter.id) : [];
    if (pending.length) return this.tell(a.user, where, this.refusal({ ok: false, code: 'departments_pending', matter, pending }, person));
    const tr = this.tr(person);
    const targets =
      a.action === 'transfer'
        ? (await transferTargets(this.ctx.db, matter)).map((s) => ({ personId: s.personId, label: s.title ? tr('notify:who_with_title', { title: s.title, name: s.name }) : s.name }))
        : undefined;
    const departments = a.action === 'whistle' ? await summonableDepartments(this.ctx.db, matter) : undefined;
    const meta: ModalMeta = { a: a.action, r: matter.ref, ...(a.channel ? { c: a.channel } : {}), ...(a.threadTs ? { t: a.threadTs } : {}) };
    await this.api.openView(a.triggerId, actionModal(meta, person.locale, { ref: matter.ref, targets, departments }));
  }

  /** The modal a flow's free-text step offers. */
  async openAnswerModal(a: { user: string; triggerId: string; channel?: string }): Promise<void> {
    const person = await this.person(a.user);
    await this.api.openView(a.triggerId, answerModal(person?.locale ?? this.defaultLocale, a.channel));
  }

  async emptyText(user: string): Promise<string> {
    return this.tr(await this.person(user))('slack:refuse.empty');
  }

  // ---- messages: a reply in a card's thread, or a DM ----

  private async onMessage(job: Extract<SlackJob, { kind: 'message' }>): Promise<JobOutcome> {
    const card = job.threadTs ? await cardAt(this.ctx.db, job.channel, job.threadTs) : undefined;
    const person = await this.person(job.user);
    if (!card) {
      if (job.channelType !== 'im') return { outcome: 'ignored', reason: 'not_a_card_thread' };
      if (await this.toFlows(job)) return { outcome: 'to_flows' };
      await this.api.post({ channel: job.channel, text: this.tr(person)(person ? 'slack:dm.idle' : 'slack:refuse.not_linked') });
      return { outcome: 'idle' };
    }
    const where = { channel: job.channel, threadTs: card.ts };
    if (!person) {
      await this.tell(job.user, where, this.tr(null)('slack:refuse.not_linked'));
      return { outcome: 'not_linked' };
    }
    if (job.edited) return { outcome: 'ignored', reason: 'edited' };
    const { note, text } = splitNote(job.text);
    const request: ActionRequest = note ? { action: 'note', text } : { action: 'reply', text, attachments: attachmentsOf(job.files) };
    const result = await performAction(this.ctx, { matter: card.matterId, actorId: person.id, request, eventId: job.eventId });
    if (!result.ok) {
      await this.tell(job.user, where, this.refusal(result, person));
      return { outcome: 'refused', code: result.code };
    }
    if (result.duplicate) return { outcome: 'duplicate' };
    await this.api.react(job.channel, job.ts, note ? 'lock' : 'white_check_mark');
    if (note) await this.tell(job.user, where, this.done('note', result, person));
    return { outcome: note ? 'noted' : 'relayed', ref: result.matter.ref };
  }

  // ---- buttons that act at once (the ones that ask for more open a modal in the listener) ----

  private async onAction(job: Extract<SlackJob, { kind: 'action' }>): Promise<JobOutcome> {
    const data = parseActionData(job.value);
    const person = await this.person(job.user);
    if (!data || this.delegates(data.action)) return (await this.toFlows(job)) ? { outcome: 'to_flows' } : { outcome: 'ignored', reason: 'unknown_button' };
    const where = { channel: job.channel, threadTs: job.threadTs };
    if (!person) {
      await this.tell(job.user, where, this.tr(null)('slack:refuse.not_linked'));
      return { outcome: 'not_linked' };
    }
    let request: ActionRequest;
    switch (data.action) {
      case 'take':
      case 'supervise':
      case 'urge':
      case 'withdraw':
        request = { action: data.action };
        break;
      case 'takeover':
        request = { action: 'transfer', toPersonId: person.id };
        break;
      case 'evaluate':
        if (!RATINGS.includes(data.arg as Rating)) return { outcome: 'ignored', reason: 'bad_rating' };
        request = { action: 'evaluate', rating: data.arg as Rating };
        break;
      case 'report_in':
      case 'sign_off':
        request = { action: data.action, ...(data.arg ? { department: data.arg } : {}) };
        break;
      default:
        await this.tell(job.user, where, this.tr(person)(isModalAction(data.action) ? 'slack:refuse.expired' : 'slack:refuse.unsupported'));
        return { outcome: 'unsupported', action: data.action };
    }
    const result = await performAction(this.ctx, { matter: data.ref, actorId: person.id, request, eventId: job.eventId });
    if (!result.ok) {
      await this.tell(job.user, where, this.refusal(result, person));
      return { outcome: 'refused', code: result.code };
    }
    if (result.duplicate) return { outcome: 'duplicate' };
    await this.tell(job.user, where, this.done(data.action, result, person));
    return { outcome: 'done', action: data.action, ref: result.matter.ref };
  }

  // ---- modal submissions ----

  private async onSubmit(job: Extract<SlackJob, { kind: 'submit' }>): Promise<JobOutcome> {
    if (job.callbackId === FLOW_MODAL_CALLBACK) return (await this.toFlows(job)) ? { outcome: 'to_flows' } : { outcome: 'ignored', reason: 'no_flows' };
    let meta: ModalMeta;
    try {
      meta = JSON.parse(job.meta) as ModalMeta;
    } catch {
      return { outcome: 'ignored', reason: 'bad_metadata' };
    }
    const person = await this.person(job.user);
    const where = { channel: meta.c, threadTs: meta.t };
    if (!person) {
      await this.tell(job.user, where, this.tr(null)('slack:refuse.not_linked'));
      return { outcome: 'not_linked' };
    }
    const text = (job.values.text ?? '').trim();
    const request: ActionRequest | null =
      meta.a === 'settle'
        ? { action: 'settle', result: text }
        : meta.a === 'reply'
          ? { action: 'reply', text }
          : meta.a === 'add_info'
            ? { action: 'add_info', text }
            : meta.a === 'escalate'
              ? { action: 'escalate', reason: text }
              : meta.a === 'transfer' && job.values.target
                ? { action: 'transfer', toPersonId: job.values.target, ...(text ? { reason: text } : {}) }
                : meta.a === 'whistle' && job.values.depts
                  ? { action: 'whistle', departments: job.values.depts.split(','), reason: text }
                  : null;
    if (!request) return { outcome: 'ignored', reason: 'incomplete' };
    const result = await performAction(this.ctx, { matter: meta.r, actorId: person.id, request, eventId: job.eventId });
    if (!result.ok) {
      await this.tell(job.user, where, this.refusal(result, person));
      return { outcome: 'refused', code: result.code };
    }
    if (result.duplicate) return { outcome: 'duplicate' };
    const name = request.action === 'transfer' ? ((await findPerson(this.ctx.db, request.toPersonId))?.name ?? '') : '';
    await this.tell(job.user, where, this.done(meta.a, result, person, { name }));
    return { outcome: 'done', action: meta.a, ref: result.matter.ref };
  }
}
