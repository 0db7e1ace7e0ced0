// Writing to a matter: the first part, then "add more, send or cancel" until sent. Used for a
// villager's 补充 (add_info) and an officer's 回复 (reply); whatever was sent is linked to the
// matter so a reply-to on it finds its way back.
import { linkPersonMessages } from '../services/desk-service.js';
import { act } from './act.js';
import { draftAttachments, draftRefs, draftText, isEmptyDraft, type DraftPart } from './draft.js';
import { describeParts } from './matter-words.js';
import { done, goto, say, stay } from './next.js';
import { takeContent } from './report-flow.js';
import type { FlowData, InputKind, Step } from './types.js';

export const CONTENT: readonly InputKind[] = ['text', 'voice', 'photo', 'file', 'location', 'edited'];

export interface ComposeData extends FlowData {
  ref?: string;
  parts?: DraftPart[];
}

export interface ComposeOptions {
  /** The two steps' names. */
  write: string;
  more: string;
  /** Locale keys of their prompts. */
  writePrompt: string;
  morePrompt: string;
  action: 'add_info' | 'reply';
  /** Show the main menu when done (villagers), or not (officers, who work from cards). */
  menu: boolean;
}

export function composeSteps<D extends ComposeData>(o: ComposeOptions): Record<string, Step<D>> {
  return {
    [o.write]: {
      prompt: (c) => say(o.writePrompt, { ref: c.data.ref ?? '' }),
      expect: { accepts: CONTENT, maxChars: 4000 },
      next: (input, c) => takeContent(input, c, (parts) => goto(o.more, { data: { parts } })) ?? stay(),
    },
    [o.more]: {
      prompt: (c) => say(o.morePrompt, { parts: describeParts(c, c.data.parts ?? []) }),
      expect: {
        choices: () => [
          { value: 'send', label: say('flows:compose.send') },
          { value: 'cancel', label: say('flows:compose.cancel') },
        ],
        columns: 2,
        accepts: CONTENT,
        maxChars: 4000,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice') return takeContent(input, c, (parts, quiet) => stay({ data: { parts }, quiet })) ?? stay();
        const menu = o.menu ? { menu: true } : {};
        if (input.value === 'cancel') return done({ say: [say('flows:compose.cancelled')], ...menu });
        const parts = c.data.parts ?? [];
        if (isEmptyDraft(parts)) return goto(o.write);
        const r = await act(c, c.data.ref ?? '', { action: o.action, text: draftText(parts), attachments: draftAttachments(parts) });
        if (r.result.ok && c.sender) {
          await linkPersonMessages(c.db, { platform: c.update.platform, chatId: c.update.chatId, personId: c.sender.person.id, matterId: r.result.matter.id, refs: draftRefs(parts) });
        }
        return done({ say: [r.said], ...menu });
      },
    },
  };
}
