// The cadre's desk in Slack: `/grid status|mine|stats|link` and App Home. Read-only but for link
// codes; a person learns only about matters they have a part in.
import { parseRef } from '../../domain/index.js';
import type { FlowEngine } from '../../flows/index.js';
import { formatTime, translator } from '../../i18n/index.js';
import type { JobOutcome } from '../../queue/jobs.js';
import type { ServiceContext } from '../../services/context.js';
import { helpedMatters } from '../../services/desk-service.js';
import { createLinkCode, LINK_CODE_TTL_MINUTES, normaliseLinkCode, redeemLinkCode } from '../../services/link-codes.js';
import { relationsOf } from '../../services/matter-actions.js';
import { deskStats } from '../../services/stats-service.js';
import { findMatterByRef, listMatters } from '../../store/repositories/matter-repository.js';
import { findByIdentity, findPerson, type PersonRow } from '../../store/repositories/people-repository.js';
import { figuresText, homeView, matterLines, type HomeFigures } from './blocks.js';
import type { SlackApi } from './slack-api.js';
import { OWN_COMMANDS } from './slack-conversation.js';
import type { SlackJob } from './slack-job.js';

export class SlackDesk {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly api: SlackApi,
    private readonly timezone: string,
    private readonly defaultLocale: string,
    private readonly flows: FlowEngine | null,
  ) {}

  private async person(user: string): Promise<PersonRow | null> {
    return (await findByIdentity(this.ctx.db, 'slack', user))?.person ?? null;
  }

  private tr(person: PersonRow | null) {
    return translator(person?.locale ?? this.defaultLocale);
  }

  /** `/grid status|mine|stats|link`; other words go to the flows' commands (`toFlows`). */
  async command(job: Extract<SlackJob, { kind: 'command' }>, toFlows: () => Promise<boolean>): Promise<JobOutcome> {
    const person = await this.person(job.user);
    const tr = this.tr(person);
    const [sub = '', ...rest] = job.text.trim().split(/\s+/);
    const arg = rest.join(' ');
    // `/grid lang`, `/grid start`…: the flows' commands, answered in the DM.
    if (!OWN_COMMANDS.has(sub.toLowerCase()) && this.flows?.commands.has(sub.toLowerCase()) && (await toFlows())) return { outcome: 'to_flows' };
    const answer = async (text: string) =>
      job.responseUrl ? this.api.respond(job.responseUrl, { text }) : this.api.ephemeral({ channel: job.channel, user: job.user, text });

    if (sub.toLowerCase() === 'link' && !arg) {
      if (!person) {
        await answer(tr('slack:refuse.not_linked'));
        return { outcome: 'not_linked' };
      }
      const fresh = await createLinkCode(this.ctx, person.id);
      await answer(tr('slack:link.code_telegram', { code: fresh.code, minutes: LINK_CODE_TTL_MINUTES }));
      return { outcome: 'link_code' };
    }
    if (sub.toLowerCase() === 'link') {
      const r = await redeemLinkCode(this.ctx, { platform: 'slack', externalId: job.user, code: normaliseLinkCode(arg) });
      const who = r.ok ? r.person : person;
      await answer(this.tr(who)(r.ok ? (r.already ? 'slack:link.already' : 'slack:link.done') : `slack:link.${r.reason}`, { name: r.ok ? r.person.name : '' }));
      return { outcome: r.ok ? 'linked' : `link_${r.reason}` };
    }
    if (!person) {
      await answer(tr('slack:refuse.not_linked'));
      return { outcome: 'not_linked' };
    }
    const locale = person.locale;
    switch (sub.toLowerCase()) {
      case 'status': {
        const ref = parseRef(arg);
        if (!ref) {
          await answer(tr('slack:command.bad_ref', { ref: arg }));
          return { outcome: 'bad_ref' };
        }
        const matter = await findMatterByRef(this.ctx.db, ref);
        // Someone with no relation to the matter learns nothing about it.
        if (!matter || !(await relationsOf(this.ctx.db, person.id, matter)).length) {
          await answer(tr('slack:refuse.not_found'));
          return { outcome: 'not_found' };
        }
        const assignee = matter.assigneeId ? await findPerson(this.ctx.db, matter.assigneeId) : undefined;
        await answer(
          tr('slack:command.status', {
            ref: matter.ref,
            category: tr(`common:category.${matter.category}`),
            state: tr(`common:state.${matter.state}`),
            step: tr(`common:step.${matter.step}`),
            level: tr(`common:matter_level.${matter.level}`),
            assignee: assignee?.name ?? tr('slack:card.nobody'),
            due: matter.dueAt ? formatTime(matter.dueAt, locale, person.timezone ?? this.timezone) : tr('slack:home.no_due'),
            summary: matter.summary,
          }),
        );
        return { outcome: 'status', ref: matter.ref };
      }
      case 'mine': {
        const open = await this.openMatters(person.id);
        const helping = await helpedMatters(this.ctx.db, person.id);
        const o = { locale, timezone: person.timezone ?? this.timezone, now: this.ctx.now() };
        const lines = matterLines(open, o);
        const helpLines = helping.length ? [tr('slack:command.helping_header', { count: helping.length }), ...matterLines(helping, o)] : [];
        await answer([tr('slack:command.mine_header', { count: open.length }), ...(lines.length ? lines : [tr('slack:home.none')]), ...helpLines].join('\n\n'));
        return { outcome: 'mine', count: open.length, helping: helping.length };
      }
      case 'stats': {
        const figures = await this.figures(person.id);
        await answer(figures.length ? figures.map((f) => `*${tr('slack:home.figures_header', { node: f.node })}*\n${figuresText(f, locale)}`).join('\n\n') : tr('slack:command.no_stats'));
        return { outcome: figures.length ? 'stats' : 'no_stats', grids: figures.length };
      }
      default:
        await answer(tr('slack:command.help'));
        return { outcome: 'help' };
    }
  }

  /** App Home: open matters (overdue first), matters reported, and the node's figures. */
  async home(job: Extract<SlackJob, { kind: 'home' }>): Promise<JobOutcome> {
    const person = await this.person(job.user);
    const locale = person?.locale ?? this.defaultLocale;
    if (!person) {
      await this.api.publishHome(job.user, homeView({ locale, timezone: this.timezone, now: this.ctx.now(), name: null, open: [], reported: [], figures: [] }));
      return { outcome: 'not_linked' };
    }
    const [open, reported, figures] = await Promise.all([
      this.openMatters(person.id),
      listMatters(this.ctx.db, { reporterId: person.id, state: 'open', limit: 50 }),
      this.figures(person.id),
    ]);
    await this.api.publishHome(job.user, homeView({ locale, timezone: person.timezone ?? this.timezone, now: this.ctx.now(), name: person.name, open, reported, figures }));
    return { outcome: 'published', open: open.length };
  }

  private async openMatters(personId: string) {
    return listMatters(this.ctx.db, { assigneeId: personId, state: 'open', limit: 100 });
  }

  /** The figures of every grid she covers, and of the grids of the matters she holds outside them. */
  private async figures(personId: string): Promise<HomeFigures[]> {
    return (await deskStats(this.ctx.db, personId)).map((s) => ({
      node: s.grid.name,
      accepted: s.accepted,
      settled: s.settled,
      open: s.open,
      settlementRate: s.settlementRate.rate,
      firstContact: s.firstContact.rate,
      withinVillage: s.withinVillage.rate,
      withinTownship: s.withinTownship.rate,
      satisfaction: s.satisfaction.rate,
      topics: s.byTopic.map((t) => ({ code: t.topic, name: t.name, accepted: t.accepted })),
    }));
  }
}
