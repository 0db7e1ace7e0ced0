// `/grid broadcast` in Slack: the notice composed in one modal (the words, the same words in the
// other languages if the cadre likes, the place, the people, only those using one language, a reply
// button, when), opened at once with the command's trigger_id. Its submission is checked
// here for what a modal can show beside its fields (no words, too many, a time not written as
// one), and otherwise goes to the flows as a `form` update: the preview with its count and the
// confirm buttons come in the DM, from the flow's own last step.
import { cleanText } from '../../domain/clean-text.js';
import { HOLIDAYS } from '../../domain/holidays.js';
import { parseSendTime } from '../../domain/broadcast.js';
import { LANGUAGE_NAMES } from '../../domain/language.js';
import { LOCALES, type Locale } from '../../domain/types.js';
import { broadcastVersionField, type BroadcastFormFields } from '../../ports/forms.js';
import { translator } from '../../i18n/index.js';
import type { View } from './slack-api.js';
import type { ModalMeta } from './slack-conversation.js';

export const BROADCAST_MODAL_CALLBACK = 'gl_broadcast';
/** As the chat flow takes it (MAX_NOTICE_CHARS). */
const MAX_CHARS = 1500;
const WHO = ['all', 'residents', 'households', 'staff'] as const;
const BUTTONS = ['none', 'attend', 'ack'] as const;
/** The block of the optional version in `locale` (the cadre's own language is the `text` block). */
const versionBlock = broadcastVersionField;
/** Every block a submission is read from; the version blocks of the cadre's own language are never shown. */
const BLOCKS = ['text', ...LOCALES.map(versionBlock), 'place', 'who', 'lang', 'button', 'when', 'at'];

const plain = (text: string, max = 75) => ({ type: 'plain_text', text: text.slice(0, max) });
const option = (value: string, label: string) => ({ text: plain(label), value });

function select(block: string, label: string, options: Array<ReturnType<typeof option>>): Record<string, unknown> {
  return { type: 'input', block_id: block, label: plain(label, 2000), element: { type: 'static_select', action_id: 'v', options: options.slice(0, 100), initial_option: options[0] } };
}

export function broadcastModal(fields: BroadcastFormFields, user: string): View {
  const tr = translator(fields.locale);
  const meta: ModalMeta = { c: '', l: fields.locale, u: user };
  const when = [
    option('now', tr('broadcast:compose.when_now')),
    option('morning', tr('broadcast:compose.when_morning')),
    ...HOLIDAYS.map((h) => option(`yearly:${h}`, `${tr('broadcast:compose.when_yearly')}：${tr(`broadcast:holiday.${h}`)}`)),
  ];
  return {
    type: 'modal',
    callback_id: BROADCAST_MODAL_CALLBACK,
    private_metadata: JSON.stringify(meta),
    title: plain(tr('broadcast:modal.title'), 24),
    submit: plain(tr('broadcast:modal.submit'), 24),
    close: plain(tr('broadcast:modal.close'), 24),
    blocks: [
      { type: 'input', block_id: 'text', label: plain(tr('broadcast:modal.text'), 2000), element: { type: 'plain_text_input', action_id: 'v', multiline: true, max_length: MAX_CHARS, placeholder: plain(tr('broadcast:modal.text_hint'), 150) } },
      ...LOCALES.filter((l) => l !== fields.locale).map((l) => ({
        type: 'input',
        block_id: versionBlock(l),
        optional: true,
        label: plain(tr('broadcast:modal.version', { language: LANGUAGE_NAMES[l] }), 2000),
        element: { type: 'plain_text_input', action_id: 'v', multiline: true, max_length: MAX_CHARS, placeholder: plain(tr('broadcast:modal.version_hint'), 150) },
      })),
      select('place', tr('broadcast:modal.where'), fields.places.map((p) => option(p.value, p.label))),
      select('who', tr('broadcast:modal.who'), WHO.map((w) => option(w, tr(`broadcast:compose.who_${w}`)))),
      select('lang', tr('broadcast:modal.lang'), [option('all', tr('broadcast:compose.lang_all')), ...LOCALES.map((l) => option(l, LANGUAGE_NAMES[l]))]),
      select('button', tr('broadcast:modal.buttons'), BUTTONS.map((b) => option(b, tr(`broadcast:compose.buttons_${b}`)))),
      select('when', tr('broadcast:modal.when'), when),
      { type: 'input', block_id: 'at', optional: true, label: plain(tr('broadcast:modal.at'), 2000), element: { type: 'plain_text_input', action_id: 'v', max_length: 40, placeholder: plain(tr('broadcast:modal.at_hint'), 150) } },
    ],
  };
}

type StateValues = Record<string, Record<string, { value?: unknown; selected_option?: { value?: unknown } | null }>>;

/** The submitted values by block, cleaned; or the errors to show beside the fields, in `locale`. */
export function readBroadcastModal(state: StateValues | undefined, locale: Locale): { ok: true; values: Record<string, string> } | { ok: false; errors: Record<string, string> } {
  const tr = translator(locale);
  const read = (block: string) => {
    const field = Object.values(state?.[block] ?? {})[0];
    const raw = field?.selected_option?.value ?? field?.value;
    return cleanText(typeof raw === 'string' ? raw : '').text.trim();
  };
  const values = Object.fromEntries(BLOCKS.map((b) => [b, read(b)]).filter(([b, v]) => v || !b!.startsWith('version_')));
  const errors: Record<string, string> = {};
  if (!values.text) errors.text = tr('broadcast:modal.empty_text');
  else if ([...values.text].length > MAX_CHARS) errors.text = tr('broadcast:compose.too_long', { max: MAX_CHARS });
  for (const l of LOCALES) if ([...(values[versionBlock(l)] ?? '')].length > MAX_CHARS) errors[versionBlock(l)] = tr('broadcast:compose.too_long', { max: MAX_CHARS });
  // Only whether it reads as a time: whether it has passed is the node's zone's question, asked by the flow.
  if (values.at && !parseSendTime(values.at, new Date(0), 'UTC')) errors.at = tr('broadcast:compose.bad_time');
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, values };
}
