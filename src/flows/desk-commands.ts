// A cadre's desk as commands, the same on every platform: /status <ref> (a matter's detail, for
// whoever has a part in it) and /home (what she holds, helps on and reported, with the figures:
// Slack shows it as the App Home). /stats, with its periods, is stats-flow.ts.
import { parseRef } from '../domain/index.js';
import { openMatter } from '../services/desk-service.js';
import { deskStats, type GridStats } from '../services/stats-service.js';
import { failureWords } from './act.js';
import { listPrompt } from './mine-flow.js';
import { done, literal, say, startFlow } from './next.js';
import { deskSummary } from './officer-flows.js';
import { renderSay } from './render.js';
import type { Entry, FlowContext, Say } from './types.js';

/** Someone the roster does not know: where accounts are linked (Slack), how to link one; elsewhere, how to register. */
const notKnown = (c: FlowContext): Say => (c.strangers === 'link' ? say('flows:not_linked.slack') : say('flows:help.stranger'));

const pct = (r: number | null, none: string) => (r === null ? none : `${Math.round(r * 1000) / 10}%`);

/** One grid's figures in words. */
function figures(c: FlowContext, s: GridStats): string {
  const none = c.t('flows:figures.none');
  const text = c.t('flows:figures.body', {
    accepted: s.accepted,
    settled: s.settled,
    open: s.open,
    settlementRate: pct(s.settlementRate.rate, none),
    firstContact: pct(s.firstContact.rate, none),
    withinVillage: pct(s.withinVillage.rate, none),
    withinTownship: pct(s.withinTownship.rate, none),
    satisfaction: pct(s.satisfaction.rate, none),
  });
  const topics = s.byTopic.map((t) => c.t('flows:figures.topic_item', { name: t.name ?? topicWord(c, t.topic), count: t.accepted }));
  return `${c.t('flows:figures.header', { node: s.grid.name })}\n${text}${topics.length ? `\n${c.t('flows:figures.topics', { list: topics.join(' · ') })}` : ''}`;
}

function topicWord(c: FlowContext, code: string): string {
  const word = c.t(`common:topic.${code}`);
  return word.endsWith(`topic.${code}`) ? code : word;
}

async function statsSaid(c: FlowContext): Promise<Say[]> {
  const all = c.sender ? await deskStats(c.db, c.sender.person.id) : [];
  return all.map((s) => literal(figures(c, s)));
}

export const status: Entry = async (c) => {
  if (!c.sender) return done({ say: [notKnown(c)] });
  const args = c.update.content.kind === 'command' ? c.update.content.args.trim() : '';
  const ref = parseRef(args);
  if (!ref) return done({ say: [say('flows:status.bad_ref', { ref: args })] });
  // Someone with no part in the matter learns nothing about it.
  const access = await openMatter(c.db, c.sender.person.id, ref, c.sender.placements);
  if (!access.ok) return done({ say: [failureWords(c, access)] });
  const staff = access.relations.some((r) => r !== 'reporter');
  return startFlow(staff ? 'desk' : 'mine', { step: 'detail', data: { ref: access.matter.ref } });
};

/** Everything on one page: greeting, held and helped matters, reported ones, the figures. */
export const home: Entry = async (c) => {
  if (!c.sender) return done({ say: [notKnown(c)] });
  const parts: Say[] = [say('flows:home.greeting', { name: c.sender.person.name }), ...(await deskSummary(c)), ...(await listPrompt(c)), ...(await statsSaid(c))];
  return done({ say: [literal(parts.map((s) => renderSay(s, c.t)).join('\n\n'))] });
};
