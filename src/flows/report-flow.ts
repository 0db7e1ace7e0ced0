// 反映问题: a category, then the matter in the person's own words — typed, spoken, photographed —
// where it is, and a look before it is sent. Everything said before "submit" is one report: an
// album, several quick lines, an edit of a line already sent. Officers use the same flow for what
// they find on patrol (发现) and for filing on behalf of an elderly villager.
import { mayBeUrgent } from '../domain/matter-size.js';
import { CATEGORIES, type Category } from '../domain/types.js';
import { linkPersonMessages } from '../services/desk-service.js';
import { intake } from '../services/intake-service.js';
import { addPart, applyEdit, draftAttachments, draftRefs, draftText, isEmptyDraft, partOf, type DraftPart } from './draft.js';
import { clip, describeParts } from './matter-words.js';
import { done, goto, say, stay } from './next.js';
import type { Choice, Flow, FlowContext, FlowData, FlowInput, InputKind, Next, Say } from './types.js';

export interface ReportData extends FlowData {
  category?: Category;
  parts?: DraftPart[];
  /** 'patrol': an officer's own record (发现); 'for': filed for a villager (onBehalfOf). */
  mode?: 'self' | 'patrol' | 'for';
  onBehalfOf?: string;
  forName?: string;
  /** A hazard with someone in danger now: urgent (alerts pass quiet hours, the village is told at once). */
  urgent?: boolean;
}

type C = FlowContext<ReportData>;

/** The order categories are offered in: what villagers bring most often first. */
export const CATEGORY_ORDER: readonly Category[] = ['dispute', 'hazard', 'help', 'complaint', 'consult', 'other'];
const CONTENT: readonly InputKind[] = ['text', 'voice', 'photo', 'file', 'location', 'edited'];

const categoryChoices = (): Choice[] => CATEGORY_ORDER.map((cat) => ({ value: cat, label: say(`flows:report.categories.${cat}`) }));

/**
 * Takes a piece of content into the draft. Returns what to do: the step's own continuation when
 * something was added, `stay` for a burst already acknowledged, or a refusal.
 */
export function takeContent(input: FlowInput, c: FlowContext<{ parts?: DraftPart[] } & FlowData>, onAdded: (parts: DraftPart[], quiet: boolean) => Next): Next | null {
  const parts = c.data.parts ?? [];
  if (input.kind === 'edited') {
    const edited = applyEdit(parts, input.messageRef, input.text);
    return edited.found ? stay({ data: { parts: edited.parts }, say: [say('flows:draft.edited')], quiet: true }) : stay({ quiet: true });
  }
  const part = partOf(input, c.update.platform, c.update.messageRef, c.now);
  if (!part) return null;
  const added = addPart(parts, part);
  if (!added.ok) return stay({ say: [say(`flows:draft.${added.reason}`)] });
  return onAdded(added.parts, added.quiet);
}

function afterCategory(c: C, category: Category, urgent?: boolean): Next {
  const data = { category, urgent: urgent === true };
  return isEmptyDraft(c.data.parts ?? []) ? goto('describe', { data }) : goto('collect', { data });
}

const isContent = (input: FlowInput) => input.kind !== 'choice' && input.kind !== 'skip';

function afterDescribe(c: C, parts: DraftPart[]): Next {
  return parts.some((p) => p.kind === 'location') ? goto('confirm', { data: { parts } }) : goto('location', { data: { parts } });
}

function confirmText(c: C): Say[] {
  const parts = c.data.parts ?? [];
  const lines: Say[] = [say('flows:report.confirm.title')];
  if (c.data.mode === 'for') lines.push(say('flows:report.confirm.for', { name: c.data.forName ?? '' }));
  if (c.data.mode === 'patrol') lines.push(say('flows:report.confirm.patrol'));
  lines.push(say('flows:report.confirm.category', { category: c.t(`flows:report.categories.${c.data.category ?? 'other'}`) }));
  if (c.data.urgent) lines.push(say('flows:report.confirm.urgent'));
  const text = draftText(parts);
  if (text) lines.push(say('flows:report.confirm.text', { text: clip(text, 300) }));
  lines.push(say('flows:report.confirm.parts', { parts: describeParts(c, parts) }));
  lines.push(say('flows:report.confirm.ask'));
  return lines;
}

async function submit(c: C): Promise<Next> {
  const parts = c.data.parts ?? [];
  if (isEmptyDraft(parts)) return goto('describe', { say: [say('flows:report.empty')] });
  const result = await intake(c.svc, {
    eventId: c.update.eventId,
    platform: c.update.platform,
    externalUserId: c.update.userId,
    kind: 'report',
    category: c.data.category ?? 'other',
    text: draftText(parts),
    attachments: draftAttachments(parts),
    ...(c.data.urgent ? { urgent: true } : {}),
    ...(c.data.mode === 'for' && c.data.onBehalfOf ? { onBehalfOf: c.data.onBehalfOf } : {}),
    receivedAt: c.now.toISOString(),
  }, { sender: c.sender });
  if (result.status === 'rejected') return done({ say: [say(`intake:rejected.${result.reason}`)], menu: true });
  const refs = draftRefs(parts);
  if (refs.length && c.sender) {
    await linkPersonMessages(c.db, { platform: c.update.platform, chatId: c.update.chatId, personId: c.sender.person.id, matterId: result.matter.id, refs });
  }
  const ref = result.matter.ref;
  if (c.data.mode === 'for') return done({ say: [say('flows:report.filed_for', { ref, name: c.data.forName ?? '' })], menu: true });
  if (c.data.mode === 'patrol' || !result.matter.reporterId) return done({ say: [say('flows:report.filed_patrol', { ref })], menu: true });
  // 四个一: the answer is one receipt (reference, what was received, who handles it and by when),
  // sent through notify once routing is done; it brings the main menu back.
  return done();
}

export const reportFlow: Flow<ReportData> = {
  name: 'report',
  first: 'category',
  timeoutMinutes: 24 * 60,
  steps: {
    category: {
      prompt: (c) => {
        if (c.data.mode === 'for') return say('flows:report.category_for', { name: c.data.forName ?? '' });
        if (c.data.mode === 'patrol') return say('flows:report.category_patrol');
        return isEmptyDraft(c.data.parts) ? say('flows:report.category') : say('flows:report.category_after');
      },
      expect: { choices: categoryChoices, columns: 2, accepts: CONTENT },
      next: (input, c) => {
        if (isContent(input)) {
          // Started talking before choosing: kept, and the category asked again.
          return takeContent(input, c, (parts, quiet) => stay({ data: { parts }, quiet })) ?? stay();
        }
        if (input.kind !== 'choice' || !(CATEGORIES as readonly string[]).includes(input.value)) return stay();
        const category = input.value as Category;
        // 隐患: is anyone in danger now? That decides whether it may wait for the morning.
        if (mayBeUrgent(category)) return goto('danger', { data: { category } });
        return afterCategory(c, category);
      },
    },

    danger: {
      prompt: () => say('flows:report.danger'),
      expect: { choices: () => [{ value: 'yes', label: say('flows:report.danger_yes') }, { value: 'no', label: say('flows:report.danger_no') }], columns: 1 },
      next: (input, c) => {
        if (input.kind !== 'choice') return stay();
        return afterCategory(c, c.data.category ?? 'hazard', input.value === 'yes');
      },
    },

    describe: {
      prompt: (c) => say(c.data.mode === 'patrol' ? 'flows:report.describe_patrol' : 'flows:report.describe', { category: c.t(`flows:report.categories.${c.data.category ?? 'other'}`) }),
      expect: { accepts: CONTENT, maxChars: 4000 },
      next: (input, c) => takeContent(input, c, (parts) => goto('collect', { data: { parts } })) ?? stay(),
    },

    collect: {
      prompt: (c) => say('flows:report.collect', { parts: describeParts(c, c.data.parts ?? []) }),
      expect: {
        choices: () => [
          { value: 'done', label: say('flows:report.said_all') },
          { value: 'cancel', label: say('flows:report.cancel') },
        ],
        columns: 2,
        accepts: CONTENT,
        maxChars: 4000,
      },
      next: (input, c) => {
        if (input.kind === 'choice') {
          if (input.value === 'cancel') return done({ say: [say('flows:report.cancelled')], menu: true });
          const parts = c.data.parts ?? [];
          return isEmptyDraft(parts) ? goto('describe') : afterDescribe(c, parts);
        }
        return takeContent(input, c, (parts, quiet) => stay({ data: { parts }, quiet })) ?? stay();
      },
    },

    location: {
      prompt: () => say('flows:report.location'),
      expect: { request: 'location', skippable: true, accepts: ['text', 'photo', 'voice', 'file', 'edited'], maxChars: 300 },
      next: (input, c) => {
        if (input.kind === 'skip') return goto('confirm');
        // A place told in words ("村东头老槐树下") is as good as a pin.
        if (input.kind === 'location' || input.kind === 'text') return takeContent(input, c, (parts) => goto('confirm', { data: { parts } })) ?? stay();
        return takeContent(input, c, (parts, quiet) => stay({ data: { parts }, quiet })) ?? stay();
      },
    },

    confirm: {
      prompt: (c) => confirmText(c),
      expect: {
        choices: () => [
          { value: 'submit', label: say('flows:report.submit') },
          { value: 'more', label: say('flows:report.add_more') },
          { value: 'cancel', label: say('flows:report.cancel') },
        ],
        columns: 1,
        accepts: CONTENT,
        maxChars: 4000,
      },
      next: async (input, c) => {
        if (input.kind === 'choice') {
          if (input.value === 'submit') return submit(c);
          if (input.value === 'more') return goto('collect');
          return done({ say: [say('flows:report.cancelled')], menu: true });
        }
        return takeContent(input, c, (parts, quiet) => stay({ data: { parts }, quiet })) ?? stay();
      },
    },
  },
};

/** Starts a report with what the person already said (a message sent outside any flow). */
export const reportWith = (parts: DraftPart[], extra: Partial<ReportData> = {}): Next => ({ to: 'flow', flow: 'report', data: { parts, ...extra } });
