// One matter in a chat message: what it is, where it stands, who holds it and by when, and its
// timeline. A resident sees their side of it; staff also see the villager's words in full and
// the internal notes.
import { holderOf, timelineOf, villagerWords, type Audience, type Matter } from '../services/desk-service.js';
import { cardFacts } from '../services/matter-defaults.js';
import { topicLabel } from './size-topic-flows.js';
import { clip, describeAttachments, eventLine, isOverdue, when } from './matter-words.js';
import { literal } from './next.js';
import type { FlowContext, Say } from './types.js';

/** Keeps a detail well within one chat message. */
const MAX_DETAIL_CHARS = 3000;

export async function matterDetail(c: FlowContext, matter: Matter, audience: Audience): Promise<Say> {
  const viewer = c.sender?.person.id ?? '';
  const lines: string[] = [];
  const where = matter.state === 'open' ? c.t(`common:step.${matter.step}`) : c.t(`common:state.${matter.state}`);
  lines.push(c.t('flows:detail.title', { ref: matter.ref, category: c.t(`common:category.${matter.category}`), where }));
  lines.push(c.t('flows:detail.summary', { summary: clip(matter.summary, 80) }));
  if (audience === 'staff') {
    // 大事/小事 and the topic; the villager's phone for the one who holds it, nobody else.
    const facts = await cardFacts(c.db, matter, viewer || null);
    lines.push(c.t('flows:detail.size', { size: c.t(`common:size.${matter.size}`), urgent: matter.urgent ? c.t('flows:detail.urgent') : '', topic: topicLabel(c, matter.topic, facts.topicName) }));
    if (facts.phone) lines.push(c.t('flows:detail.phone', { phone: facts.phone }));
  }
  if (audience === 'staff') {
    for (const m of (await villagerWords(c.db, matter.id)).slice(-5)) {
      const files = describeAttachments(c, m.attachments ?? []);
      const loc = (m.attachments ?? []).find((a) => a.kind === 'location');
      const parts = [m.text ? clip(m.text, 400) : '', files ? `[${files}]` : '', loc ? `📍${loc.latitude?.toFixed(5)},${loc.longitude?.toFixed(5)}` : ''].filter(Boolean);
      if (parts.length) lines.push(c.t('flows:detail.words', { when: when(c, m.createdAt), text: parts.join(' ') }));
    }
  }
  const holder = await holderOf(c.db, matter);
  if (holder && matter.state === 'open') lines.push(c.t('flows:detail.holder', { who: holder.title ? `${holder.title}${holder.name}` : holder.name }));
  if (matter.dueAt && matter.state === 'open') {
    lines.push(c.t(isOverdue(matter, c.now) ? 'flows:detail.overdue' : 'flows:detail.due', { due: when(c, matter.dueAt) }));
  }
  if (matter.supervised && audience === 'staff') lines.push(c.t('flows:detail.supervised'));
  const { events, hidden } = await timelineOf(c.db, matter.id, audience);
  lines.push(c.t('flows:detail.timeline'));
  if (hidden) lines.push(c.t('flows:detail.earlier', { count: hidden }));
  for (const e of events) lines.push(eventLine(c, e, viewer));
  const text = lines.join('\n');
  return literal(text.length <= MAX_DETAIL_CHARS ? text : cutLines(lines));
}

function cutLines(lines: string[]): string {
  const out: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > MAX_DETAIL_CHARS) break;
    out.push(l);
    size += l.length + 1;
  }
  return out.join('\n');
}
