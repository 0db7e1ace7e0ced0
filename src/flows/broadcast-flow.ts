// 主动服务 in chat. /broadcast (cadres and officers): the words → which place (the cadre's own
// nodes and the ones under them) → which people → a reply button or none → a preview with how
// many will get it → confirm; then one message counts up as it goes out. /stop (and the button
// under every notice) stops notices for a person, never their own matters' news; /start resumes.
// Buttons under a notice: 我要参加 / 收到 are counted, 同意 / 不发 decide a large one.
// On the preview, two optional turns that come back to it: 🌐 another language's version of the
// words (a reader gets their own language's, else the author's), and 🗣 only the people reading
// one language (the count is the release's own query, narrowed the same way).
import { AUDIENCE_GROUPS, BROADCAST_BUTTONS, HOLIDAYS, nextHoliday, type Holiday, dayAfter, isStaff, parseSendTime, wallClock, zonedInstant, needsApproval, type AudienceGroup, type BroadcastButton } from '../domain/index.js';
import {
  answerBroadcast,
  approvalSizeOf,
  broadcastPlaces,
  composeBroadcast,
  decideBroadcast,
  previewCount,
  resumeBroadcasts,
  stopBroadcasts,
} from '../services/broadcast-service.js';
import { gridPlace } from '../services/directory-service.js';
import { broadcastVersionField } from '../ports/forms.js';
import { cancelScheduled, scheduledNotices } from '../services/yearly-broadcast.js';
import { formatTime } from '../i18n/index.js';
import { coreModule } from './core-module.js';
import { done, goto, literal, rosterText, say, startFlow } from './next.js';
import { LOCALES, type Attachment, type Locale } from '../domain/types.js';
import { isLocale, LANGUAGE_NAMES } from '../domain/language.js';
import type { CallbackHandler, Entry, Flow, FlowContext, FlowData, FlowModule, FormHandler, Next } from './types.js';

export interface BroadcastData extends FlowData {
  text?: string;
  /** A photo or a document sent with the words. */
  file?: Attachment;
  nodeId?: string;
  group?: AudienceGroup | 'all';
  button?: BroadcastButton | 'none';
  /** When to send it (ISO); '' or absent: now. */
  at?: string;
  /** 节日贺词: every year on this holiday instead. */
  holiday?: Holiday | null;
  /** The scheduled notice the cadre is about to cancel. */
  dropId?: string;
  /** The words in other languages than the author's own (`text` is theirs, the default). */
  versions?: Partial<Record<Locale, string>>;
  /** The language of the version being written now. */
  writing?: Locale;
  /** Only the people reading this language ('all' or absent: everyone). */
  lang?: Locale | 'all';
}

type C = FlowContext<BroadcastData>;

/** Longest notice taken in chat (a platform's message holds more; a notice read on a phone should not). */
export const MAX_NOTICE_CHARS = 1500;
const GROUPS = ['all', 'residents', 'households', 'staff'] as const;
/** 现在发, 明天早上八点; or a typed time. */
const WHEN = ['now', 'morning', 'yearly'] as const;
/** How much of a notice's words a button in the list shows. */
const LIST_CHARS = 16;
const clipped = (text: string) => (text.length > LIST_CHARS ? `${text.slice(0, LIST_CHARS)}…` : text);

/** The zone of the place chosen: times are typed and shown in it. */
const zoneOf = async (c: C) => (await gridPlace(c.db, c.data.nodeId!))?.timezone ?? 'Asia/Shanghai';

const rolesOf = (group: BroadcastData['group']) => (group && group !== 'all' ? AUDIENCE_GROUPS[group] : null);
const langOf = (lang: BroadcastData['lang']): Locale | null => (lang && lang !== 'all' ? lang : null);

/** The languages a version may be added in: every one but the author's own (the words they wrote). */
const otherLocales = (c: Pick<C, 'locale'>) => LOCALES.filter((l) => l !== c.locale);
/** The versions written besides the author's own, in LOCALES order. */
const versionsOf = (c: C) => otherLocales(c).flatMap((l) => (c.data.versions?.[l]?.trim() ? [[l, c.data.versions[l]!] as const] : []));

async function counted(c: C) {
  const node = await gridPlace(c.db, c.data.nodeId!);
  const count = node ? await previewCount(c.db, node, { roles: rolesOf(c.data.group), locale: langOf(c.data.lang) }, c.sender!.person.id) : 0;
  return { node, count };
}

/** How many of the audience read `locale` (the same query as the count, narrowed to it). */
async function readersOf(c: C, node: NonNullable<Awaited<ReturnType<typeof gridPlace>>>, locale: Locale): Promise<number> {
  const only = langOf(c.data.lang);
  if (only && only !== locale) return 0;
  return previewCount(c.db, node, { roles: rolesOf(c.data.group), locale }, c.sender!.person.id);
}

/**
 * The preview's lines for the other versions: each version's words, then who gets which — a
 * reader of a language with no version of its own gets the author's words (textFor).
 */
async function versionLines(c: C, node: NonNullable<Awaited<ReturnType<typeof gridPlace>>>, count: number): Promise<string> {
  const versions = versionsOf(c);
  if (!versions.length) return '';
  const words = versions.map(([l, text]) => c.t('broadcast:compose.preview_version', { language: LANGUAGE_NAMES[l], text })).join('');
  const readers: Array<readonly [Locale, number]> = [];
  for (const [l] of versions) readers.push([l, await readersOf(c, node, l)]);
  const own = count - readers.reduce((n, [, r]) => n + r, 0);
  const list = [[c.locale, own] as const, ...readers].map(([l, n]) => c.t('broadcast:compose.preview_reader', { language: LANGUAGE_NAMES[l], count: n })).join(c.t('flows:act.list_separator'));
  return `${words}${c.t('broadcast:compose.preview_readers', { list })}`;
}

const BACK = { value: 'back', label: say('broadcast:compose.back') };

export const broadcastFlow: Flow<BroadcastData> = {
  name: 'broadcast',
  first: 'text',
  timeoutMinutes: 30,
  steps: {
    text: {
      prompt: () => say('broadcast:compose.text'),
      expect: {
        accepts: ['text'],
        maxChars: MAX_NOTICE_CHARS,
        // 我的定时通知: offered to a cadre who has some (to see them and cancel one).
        choices: async (c) => ((await scheduledNotices(c.db, c.sender!)).length ? [{ value: 'mine', label: say('broadcast:compose.mine') }] : []),
      },
      next: (input) => {
        if (input.kind === 'choice' && input.value === 'mine') return goto('mine');
        return input.kind === 'text' && input.text.trim() ? goto('file', { data: { text: input.text.trim() } }) : { to: 'stay' };
      },
    },
    mine: {
      prompt: async (c) => ((await scheduledNotices(c.db, c.sender!)).length ? say('broadcast:mine.list') : say('broadcast:mine.none')),
      expect: {
        choices: async (c) =>
          (await scheduledNotices(c.db, c.sender!)).map((n, i) => ({
            value: String(i),
            label: n.holiday
              ? say('broadcast:mine.item_yearly', { holiday: c.t(`broadcast:holiday_name.${n.holiday}`), node: n.nodeName, text: clipped(n.text) })
              : say('broadcast:mine.item_once', { at: n.at ? formatTime(n.at, c.locale, n.zone) : '', node: n.nodeName, text: clipped(n.text) }),
          })),
        columns: 1,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice') return { to: 'stay' };
        const n = (await scheduledNotices(c.db, c.sender!))[Number(input.value)];
        return n ? goto('drop', { data: { dropId: n.id, text: n.text } }) : done({ say: [say('broadcast:mine.gone')] });
      },
    },
    drop: {
      prompt: (c) => say('broadcast:mine.confirm', { text: c.data.text }),
      expect: { choices: () => ['cancel_it', 'keep'].map((v) => ({ value: v, label: say(`broadcast:mine.${v}`) })), columns: 2 },
      next: async (input, c) => {
        if (input.kind !== 'choice' || input.value !== 'cancel_it') return done({ say: [say('broadcast:mine.kept')] });
        const r = await cancelScheduled(c.svc, c.db, c.sender!, c.data.dropId!);
        if (r.ok) return done({ say: [say('broadcast:mine.cancelled')] });
        return done({ say: [say(r.code === 'not_permitted' ? 'broadcast:compose.not_permitted' : 'broadcast:mine.gone')] });
      },
    },
    // A photo (a poster, a film's picture) or a document (a notice's full text) to go with the words.
    file: {
      prompt: () => say('broadcast:compose.file'),
      expect: { accepts: ['photo', 'file'], skippable: true },
      next: (input) => {
        if (input.kind === 'skip') return goto('where');
        if (input.kind !== 'photo' && input.kind !== 'file') return { to: 'stay' };
        const { caption: _caption, ...file } = input.attachment;
        return goto('where', { data: { file }, say: [say(input.kind === 'photo' ? 'broadcast:compose.file_photo' : 'broadcast:compose.file_document')] });
      },
    },
    where: {
      prompt: () => say('broadcast:compose.where'),
      expect: {
        // The value is the place's position in the list: short enough for any platform's button data.
        choices: async (c) => (await broadcastPlaces(c.db, c.sender!)).map((n, i) => ({ value: String(i), label: rosterText(n.name) })),
        columns: 2,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice') return { to: 'stay' };
        const node = (await broadcastPlaces(c.db, c.sender!))[Number(input.value)];
        return node ? goto('who', { data: { nodeId: node.id } }) : { to: 'stay' };
      },
    },
    who: {
      prompt: () => say('broadcast:compose.who'),
      expect: { choices: () => GROUPS.map((g) => ({ value: g, label: say(`broadcast:compose.who_${g}`) })), columns: 2 },
      next: (input) => {
        const group = GROUPS.find((g) => input.kind === 'choice' && g === input.value);
        return group ? goto('buttons', { data: { group } }) : { to: 'stay' };
      },
    },
    buttons: {
      prompt: () => say('broadcast:compose.buttons'),
      expect: { choices: () => (['none', ...BROADCAST_BUTTONS] as const).map((b) => ({ value: b, label: say(`broadcast:compose.buttons_${b}`) })), columns: 3 },
      next: (input) => {
        const button = (['none', ...BROADCAST_BUTTONS] as const).find((b) => input.kind === 'choice' && b === input.value);
        return button ? goto('when', { data: { button } }) : { to: 'stay' };
      },
    },
    when: {
      prompt: () => say('broadcast:compose.when'),
      expect: {
        choices: () => WHEN.map((w) => ({ value: w, label: say(`broadcast:compose.when_${w}`) })),
        columns: 2,
        accepts: ['text'],
        maxChars: 40,
        textOptional: true,
      },
      validate: async (input, c) => (input.kind === 'text' && !parseSendTime(input.text, c.now, await zoneOf(c)) ? say('broadcast:compose.bad_time') : null),
      next: async (input, c) => {
        const zone = await zoneOf(c);
        if (input.kind === 'text') {
          const at = parseSendTime(input.text, c.now, zone);
          return at ? goto('confirm', { data: { at: at.toISOString() } }) : { to: 'stay' };
        }
        if (input.kind !== 'choice') return { to: 'stay' };
        if (input.value === 'now') return goto('confirm', { data: { at: '', holiday: null } });
        if (input.value === 'morning') return goto('confirm', { data: { at: zonedInstant(dayAfter(wallClock(c.now, zone).day), '08:00', zone).toISOString(), holiday: null } });
        if (input.value === 'yearly') return goto('holiday');
        return { to: 'stay' };
      },
    },
    holiday: {
      prompt: () => say('broadcast:compose.holiday'),
      expect: { choices: () => HOLIDAYS.map((h) => ({ value: h, label: say(`broadcast:holiday.${h}`) })), columns: 2 },
      next: (input) => {
        const holiday = HOLIDAYS.find((h) => input.kind === 'choice' && h === input.value);
        return holiday ? goto('confirm', { data: { holiday, at: '' } }) : { to: 'stay' };
      },
    },
    // 🌐 Another language's version: which language, then its words; back to the preview.
    version: {
      prompt: () => say('broadcast:compose.version_which'),
      expect: {
        choices: (c) => [...otherLocales(c).map((l) => ({ value: l, label: literal(LANGUAGE_NAMES[l]) })), BACK],
        columns: 3,
      },
      next: (input, c) => {
        if (input.kind !== 'choice') return { to: 'stay' };
        if (input.value === 'back') return goto('confirm');
        const l = otherLocales(c).find((x) => x === input.value);
        return l ? goto('version_text', { data: { writing: l } }) : { to: 'stay' };
      },
    },
    version_text: {
      prompt: (c) => {
        const l = c.data.writing;
        const had = l ? c.data.versions?.[l] : undefined;
        return l ? [say('broadcast:compose.version_text', { language: LANGUAGE_NAMES[l] }), ...(had ? [say('broadcast:compose.version_replaces', { text: had })] : [])] : say('broadcast:compose.version_which');
      },
      expect: { accepts: ['text'], maxChars: MAX_NOTICE_CHARS, choices: () => [BACK] },
      next: (input, c) => {
        if (input.kind === 'choice' && input.value === 'back') return goto('confirm', { data: { writing: undefined } });
        const l = isLocale(c.data.writing) && c.data.writing !== c.locale ? c.data.writing : null;
        if (!l) return goto('version');
        if (input.kind !== 'text' || !input.text.trim()) return { to: 'stay' };
        return goto('confirm', {
          data: { versions: { ...c.data.versions, [l]: input.text.trim() }, writing: undefined },
          say: [say('broadcast:compose.version_added', { language: LANGUAGE_NAMES[l] })],
        });
      },
    },
    // 🗣 Only the people reading one language (as each chose it): how many each has, or everyone.
    lang: {
      prompt: () => say('broadcast:compose.lang_which'),
      expect: {
        choices: async (c) => {
          const node = await gridPlace(c.db, c.data.nodeId!);
          const roles = rolesOf(c.data.group);
          const me = c.sender!.person.id;
          const options = [{ value: 'all', label: say('broadcast:compose.lang_all') }];
          for (const l of LOCALES) {
            const count = node ? await previewCount(c.db, node, { roles, locale: l }, me) : 0;
            options.push({ value: l, label: say('broadcast:compose.lang_option', { language: LANGUAGE_NAMES[l], count }) });
          }
          return options;
        },
        columns: 2,
      },
      next: (input) => {
        if (input.kind !== 'choice') return { to: 'stay' };
        if (input.value === 'all') return goto('confirm', { data: { lang: 'all' } });
        return isLocale(input.value) ? goto('confirm', { data: { lang: input.value } }) : { to: 'stay' };
      },
    },
    confirm: {
      prompt: async (c) => {
        const { node, count } = await counted(c);
        const only = langOf(c.data.lang);
        if (!node || !count) return only ? say('broadcast:compose.nobody_lang', { node: node?.name ?? '', language: LANGUAGE_NAMES[only] }) : say('broadcast:compose.nobody', { node: node?.name ?? '' });
        const approval = needsApproval(count, approvalSizeOf(node)) ? c.t('broadcast:compose.preview_approval', { limit: approvalSizeOf(node) }) : '';
        const yearly = c.data.holiday ? await nextHoliday(c.data.holiday, c.now, node.timezone) : null;
        const when = yearly
          ? c.t('broadcast:compose.at_yearly', { holiday: c.t(`broadcast:holiday_name.${c.data.holiday}`), at: formatTime(yearly.at, c.locale, node.timezone) })
          : c.data.at
            ? c.t('broadcast:compose.at', { at: formatTime(new Date(c.data.at), c.locale, node.timezone) })
            : c.t('broadcast:compose.at_once');
        const file = c.data.file ? c.t(`broadcast:compose.preview_${c.data.file.kind === 'photo' ? 'photo' : 'document'}`) : '';
        const versions = await versionLines(c, node, count);
        const lang = only ? c.t('broadcast:compose.preview_lang', { language: LANGUAGE_NAMES[only] }) : '';
        return say('broadcast:compose.preview', { text: c.data.text, node: node.name, who: c.t(`broadcast:compose.who_${c.data.group ?? 'all'}`), lang, count, when, approval, file, versions });
      },
      expect: {
        // Send or not; then the two optional turns, each back to this preview.
        choices: () => [
          { value: 'send', label: say('broadcast:compose.confirm') },
          { value: 'cancel', label: say('broadcast:compose.cancel') },
          { value: 'version', label: say('broadcast:compose.add_version') },
          { value: 'lang', label: say('broadcast:compose.only_lang') },
        ],
        columns: 2,
      },
      next: async (input, c): Promise<Next> => {
        if (input.kind === 'choice' && input.value === 'version') return goto('version');
        if (input.kind === 'choice' && input.value === 'lang') return goto('lang');
        if (input.kind !== 'choice' || input.value !== 'send') return done({ say: [say('broadcast:compose.cancelled')] });
        const { update } = c;
        const r = await composeBroadcast(
          c.svc,
          c.db,
          c.sender,
          {
            nodeId: c.data.nodeId!,
            roles: rolesOf(c.data.group),
            // The author's own words last: a version can never replace them.
            texts: { ...Object.fromEntries(versionsOf(c)), [c.locale]: c.data.text! },
            defaultLocale: c.locale,
            locale: langOf(c.data.lang),
            buttons: c.data.button && c.data.button !== 'none' ? [c.data.button] : [],
            attachments: c.data.file ? [c.data.file] : [],
            scheduledAt: c.data.at ? new Date(c.data.at) : null,
            holiday: c.data.holiday ?? null,
          },
          { chat: { platform: update.platform, chatId: update.chatId, userId: update.userId, eventId: update.eventId } },
        );
        if (r.ok) return done();
        const node = await gridPlace(c.db, c.data.nodeId!);
        if (r.code === 'no_approver') return done({ say: [say('broadcast:compose.no_approver', { limit: r.limit })] });
        return done({ say: [r.code === 'no_audience' ? say('broadcast:compose.nobody', { node: node?.name ?? '' }) : say('broadcast:compose.not_permitted')] });
      },
    },
  },
};

/** /broadcast: staff who may send somewhere; the words may follow the command. */
const broadcast: Entry = async (c) => {
  if (c.update.chatType === 'group') return done({ say: [say('flows:act.private_only')] });
  if (!c.sender) return coreModule.stranger ? coreModule.stranger(c) : done();
  if (!isStaff(c.sender.placements) || !(await broadcastPlaces(c.db, c.sender)).length) return done({ say: [say('broadcast:compose.not_staff')] });
  const words = c.update.content.kind === 'command' ? c.update.content.args.trim() : '';
  return words && words.length <= MAX_NOTICE_CHARS ? startFlow('broadcast', { step: 'file', data: { text: words } }) : startFlow('broadcast');
};

/**
 * The same notice composed in one form (Slack's /grid broadcast modal): every value checked again
 * as the chat steps check it (the form is forgeable), then the preview with its count and the
 * confirm buttons in the DM, the flow's own last step. Something off: said, and the chat flow offered.
 */
const broadcastForm: FormHandler = async (values, c) => {
  if (!c.sender || !isStaff(c.sender.placements)) return done({ say: [say('broadcast:compose.not_staff')] });
  const text = (values.text ?? '').trim();
  const node = (await broadcastPlaces(c.db, c.sender)).find((n) => n.id === values.place);
  const group = GROUPS.find((g) => g === values.who) ?? 'all';
  const button = (['none', ...BROADCAST_BUTTONS] as const).find((b) => b === values.button) ?? 'none';
  if (!text || text.length > MAX_NOTICE_CHARS) return done({ say: [say('broadcast:compose.too_long', { max: MAX_NOTICE_CHARS })] });
  if (!node) return done({ say: [say('broadcast:compose.not_permitted')] });
  const versions: Partial<Record<Locale, string>> = {};
  for (const l of otherLocales(c)) {
    const words = (values[broadcastVersionField(l)] ?? '').trim();
    if (words.length > MAX_NOTICE_CHARS) return done({ say: [say('broadcast:compose.too_long', { max: MAX_NOTICE_CHARS })] });
    if (words) versions[l] = words;
  }
  const lang = isLocale(values.lang) ? values.lang : 'all';
  const data: BroadcastData = { text, nodeId: node.id, group, button, at: '', holiday: null, versions, lang };
  const when = values.when ?? '';
  const typed = (values.at ?? '').trim();
  if (typed) {
    const at = parseSendTime(typed, c.now, node.timezone);
    if (!at) return done({ say: [say('broadcast:compose.bad_time')] });
    data.at = at.toISOString();
  } else if (when === 'morning') data.at = zonedInstant(dayAfter(wallClock(c.now, node.timezone).day), '08:00', node.timezone).toISOString();
  else if (when.startsWith('yearly:')) {
    const holiday = HOLIDAYS.find((h) => `yearly:${h}` === when);
    if (!holiday) return done({ say: [say('broadcast:compose.bad_time')] });
    data.holiday = holiday;
  }
  return startFlow('broadcast', { step: 'confirm', data });
};

/** /stop: no more notices; a person's own matters still reach them. */
const stop: Entry = async (c) => {
  if (c.update.chatType === 'group') return done({ say: [say('flows:help.group')] });
  if (!c.sender) return coreModule.stranger ? coreModule.stranger(c) : done();
  const stopped = await stopBroadcasts(c.svc, c.db, c.sender.person.id);
  return done({ say: [say(stopped ? 'broadcast:stop.done' : 'broadcast:stop.already')] });
};

/** /start: as ever (register, or be greeted), and notices resume for someone who had stopped them. */
const start: Entry = async (c) => {
  const core = coreModule.commands!.start!;
  if (c.update.chatType === 'group' || !c.sender || !(await resumeBroadcasts(c.db, c.sender.person.id))) return core(c);
  const next = await core(c);
  return { ...next, say: [say('broadcast:resumed'), ...(next.say ?? [])] } as Next;
};

/** `bc:…` under a notice or an approval request. Button data is forgeable: each is checked again. */
const buttons: CallbackHandler = async (data, c) => {
  const [, verb, id, answer] = data.split(':');
  if (!c.sender || !id) return { notice: say('broadcast:answered.unknown') };
  const person = c.sender.person.id;
  if (verb === 'stop') {
    const stopped = await stopBroadcasts(c.svc, c.db, person);
    return { notice: say(stopped ? 'broadcast:stop.done' : 'broadcast:stop.already') };
  }
  if (verb === 'a') {
    const button = BROADCAST_BUTTONS.find((b) => b === answer);
    const ok = button ? await answerBroadcast(c.svc, c.db, person, id, button) : false;
    return { notice: ok ? say(`broadcast:answered.${button}`) : say('broadcast:answered.unknown') };
  }
  if (verb === 'x') {
    // 取消 under a scheduled notice's message: its author (or a cadre over its place) only.
    const r = await cancelScheduled(c.svc, c.db, c.sender, id);
    if (!r.ok) return { notice: say(r.code === 'not_permitted' ? 'broadcast:compose.not_permitted' : 'broadcast:mine.gone') };
    return { notice: say('broadcast:mine.cancelled'), edit: { clearButtons: true } };
  }
  if (verb === 'ok' || verb === 'no') {
    const r = await decideBroadcast(c.svc, c.db, c.sender, id, verb === 'ok');
    if (!r.ok) return { notice: say(r.code === 'not_found' ? 'broadcast:answered.unknown' : `broadcast:approval.${r.code}`) };
    return { notice: say(verb === 'ok' ? 'broadcast:approval.approved' : 'broadcast:approval.rejected'), edit: { clearButtons: true } };
  }
  return { notice: say('broadcast:answered.unknown') };
};

export const broadcastModule: FlowModule = {
  flows: [broadcastFlow],
  commands: { broadcast, stop, start },
  callbacks: { bc: buttons },
  forms: { broadcast: broadcastForm },
};
