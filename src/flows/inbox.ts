// What arrives outside any flow. An answer to one of our messages (Telegram's reply-to) goes to
// its matter: an officer answering a card replies to the villager, a villager answering a reply
// adds to their matter. Anything else a villager sends is kept as the start of a report or a
// question — never a matter per message — and they are asked which it is. An edit of a message
// that was part of a report already filed is passed on to the officer.
import type { ChatContent } from '../ports/chat-update.js';
import { linkPersonMessages, matterById, matterOfMessage, openMatter } from '../services/desk-service.js';
import { homeOf } from '../services/registration-service.js';
import { act } from './act.js';
import { startAsk } from './ask-flow.js';
import { coreModule } from './core-module.js';
import { draftAttachments, draftText, partOf, type DraftPart } from './draft.js';
import { done, say, startFlow, stay } from './next.js';
import { takeContent } from './report-flow.js';
import type { Entry, Flow, FlowContext, FlowData, FlowInput, InputKind, Next } from './types.js';

const CONTENT: readonly InputKind[] = ['text', 'voice', 'photo', 'file', 'location', 'edited'];

/** The flow input a message outside any flow carries, if it is something to keep. */
export function inputOf(content: ChatContent): FlowInput | null {
  switch (content.kind) {
    case 'text':
      return { kind: 'text', text: content.text };
    case 'photo':
    case 'file':
      return { kind: content.kind, attachment: content.attachment, caption: content.caption, mediaGroupId: content.mediaGroupId };
    case 'voice':
      return { kind: 'voice', attachment: content.attachment };
    case 'location':
      return { kind: 'location', latitude: content.latitude, longitude: content.longitude };
    default:
      return null;
  }
}

/** A reply-to on one of our messages about a matter: passed to that matter, or null when it is not one. */
async function answerToMatter(c: FlowContext, input: FlowInput): Promise<Next | null> {
  const replyTo = c.update.replyToRef;
  if (!replyTo || !c.sender) return null;
  const link = await matterOfMessage(c.db, c.update.platform, c.update.replyToChat ?? c.update.chatId, replyTo);
  if (!link) return null;
  const matter = await matterById(c.db, link.matterId);
  const access = matter ? await openMatter(c.db, c.sender.person.id, matter.ref, c.sender.placements) : null;
  if (!matter || !access?.ok) return done({ say: [say('flows:act.failed.not_found')] });
  // Whoever holds it (or answers above it) replies; the one who reported it adds to it.
  const reply = access.relations.some((r) => r === 'assignee' || r === 'cadre_above');
  const part = partOf(input, c.update.platform, c.update.messageRef, c.now);
  if (!part) return null;
  // An album comes as several messages: gathered first, sent with one press.
  if (part.group) {
    return reply ? startFlow('reply', { step: 'more', data: { ref: matter.ref, parts: [part] } }) : startFlow('mine', { step: 'add_more', data: { ref: matter.ref, parts: [part] } });
  }
  const parts: DraftPart[] = [part];
  const request = { text: draftText(parts), attachments: draftAttachments(parts) };
  // `note:` / `备注：` from staff stays inside: a note on the matter, never sent to the villager.
  const note = reply && input.kind === 'text' ? splitNote(input.text) : null;
  if (note?.note) {
    const noted = await act(c, matter.ref, { action: 'note', text: note.text });
    return done({ say: [noted.said], ...(noted.ok ? { ack: 'noted' as const } : {}) });
  }
  const r = await act(c, matter.ref, reply ? { action: 'reply', ...request } : { action: 'add_info', ...request });
  if (r.ok && part.messageRef) {
    await linkPersonMessages(c.db, { platform: c.update.platform, chatId: c.update.chatId, personId: c.sender.person.id, matterId: matter.id, refs: [part.messageRef] });
  }
  // The officer's own message in the card's thread shows it went to the villager (Slack: ✅).
  return done({ say: [r.said], ...(r.ok && reply ? { ack: 'relayed' as const } : {}) });
}

/** `note:` / `备注：` (either colon) keeps a staff answer internal. */
const NOTE_PREFIX = /^\s*(?:note|备注|備註)\s*[:：]\s*/i;

export function splitNote(text: string): { note: boolean; text: string } {
  const m = NOTE_PREFIX.exec(text);
  return m ? { note: true, text: text.slice(m[0].length) } : { note: false, text };
}

export const idle: Entry = async (c) => {
  const input = inputOf(c.update.content);
  if (input) {
    const answered = await answerToMatter(c, input);
    if (answered) return answered;
  }
  const part = input ? partOf(input, c.update.platform, c.update.messageRef, c.now) : null;
  if (part && c.sender && homeOf(c.sender.placements)) return startFlow('triage', { data: { parts: [part] } });
  return coreModule.idle ? coreModule.idle(c) : done();
};

/**
 * An edit of a message already filed with a matter. The ledger is append-only: the correction is
 * added to the matter as the villager's words (the officer is told, as with any addition), and
 * the original stays on record.
 */
export const edited: Entry = async (c) => {
  const content = c.update.content;
  if (content.kind !== 'edited' || !c.update.messageRef || !c.sender) return done();
  const link = await matterOfMessage(c.db, c.update.platform, c.update.chatId, c.update.messageRef);
  if (!link || link.kind !== 'report' || link.personId !== c.sender.person.id) return done();
  const matter = await matterById(c.db, link.matterId);
  if (!matter) return done();
  const access = await openMatter(c.db, c.sender.person.id, matter.ref, c.sender.placements);
  const reply = access.ok && access.relations.some((r) => r === 'assignee' || r === 'cadre_above');
  const text = c.t('flows:edit.corrected', { text: content.text });
  const r = await act(c, matter.ref, reply ? { action: 'reply', text } : { action: 'add_info', text });
  return done({ say: [r.ok ? say('flows:edit.passed_on', { ref: matter.ref }) : say('flows:edit.too_late', { ref: matter.ref })] });
};

export interface TriageData extends FlowData {
  parts?: DraftPart[];
}

/** "Is this a problem to report or a question?" — with what was sent kept for either. */
export const triageFlow: Flow<TriageData> = {
  name: 'triage',
  first: 'what',
  timeoutMinutes: 60,
  steps: {
    what: {
      prompt: () => say('flows:triage.what'),
      expect: {
        choices: () => [
          { value: 'report', label: say('flows:triage.as_report') },
          { value: 'ask', label: say('flows:triage.as_question') },
          { value: 'nothing', label: say('flows:triage.nothing') },
        ],
        columns: 2,
        accepts: CONTENT,
        maxChars: 4000,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice') return takeContent(input, c, (parts, quiet) => stay({ data: { parts }, quiet })) ?? stay();
        const parts = c.data.parts ?? [];
        if (input.value === 'report') return startFlow('report', { data: { parts } });
        if (input.value === 'ask') return startAsk(c, draftText(parts));
        return done({ say: [say('flows:triage.ok')], menu: true });
      },
    },
  },
};
