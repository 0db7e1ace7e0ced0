// /start for someone new: a greeting and a language, a seat in the grid tree (by menus or by the
// join code on a poster), a name, an optional phone number, and then who will look after them.
// The seed's 四个一: 一声问候，一把椅子，一个满意答复.
import { LOCALES, type Locale } from '../domain/types.js';
import {
  carerOf,
  gridMenu,
  normalisePhone,
  placeName,
  registerFromChat,
  unitByJoinCode,
} from '../services/registration-service.js';
import { gridPlace } from '../services/directory-service.js';
import { isLocale, LANGUAGE_NAMES } from '../domain/language.js';
import { done, goto, literal, rosterText, say, stay } from './next.js';
import type { Choice, Flow, FlowContext, Say } from './types.js';

export interface RegistrationData extends Record<string, unknown> {
  /** The join code of a deep link (/start SC03), tried once a language is chosen. */
  code?: string;
  /** The node whose children the menu shows; absent at the top. */
  parentId?: string;
  /** The menus passed through, for "back". */
  trail?: string[];
  unitId?: string;
  name?: string;
}

type C = FlowContext<RegistrationData>;

/** Language names are written in their own language, whatever the person reads now. */
export { LANGUAGE_NAMES };

export const languageChoices = (): Choice[] => LOCALES.map((l) => ({ value: l, label: literal(LANGUAGE_NAMES[l]) }));

const BACK = 'back';
const USE_PLATFORM_NAME = 'pname';
const MAX_NAME_CHARS = 30;

async function afterLanguage(c: C) {
  const code = c.data.code;
  if (code) {
    const unit = await unitByJoinCode(c.db, code);
    if (unit) return goto('confirm', { data: { unitId: unit.id, code: undefined } });
    return goto('pick', { data: { code: undefined }, say: [say('flows:register.code_unknown', { code })] });
  }
  return goto('pick');
}

export const registrationFlow: Flow<RegistrationData> = {
  name: 'register',
  first: 'language',
  timeoutMinutes: 24 * 60,
  steps: {
    language: {
      prompt: () => [say('flows:register.welcome'), say('flows:register.choose_language')],
      expect: { choices: languageChoices, columns: 3 },
      next: async (input, c) => {
        if (input.kind === 'choice' && isLocale(input.value)) c.setLocale(input.value);
        return afterLanguage(c);
      },
    },

    pick: {
      prompt: async (c) => {
        const menu = await gridMenu(c.db, c.data.parentId ?? null);
        const level = menu.children[0]?.level ?? 'unit';
        const lines: Say[] = [say(`flows:register.pick.${level === 'township' || level === 'village' ? level : 'unit'}`)];
        if (!c.data.trail?.length) lines.push(say('flows:register.code_hint'));
        return lines;
      },
      expect: {
        choices: async (c) => {
          const menu = await gridMenu(c.db, c.data.parentId ?? null);
          const options: Choice[] = menu.children.map((n) => ({ value: n.id, label: rosterText(n.name) }));
          if (c.data.trail?.length) options.push({ value: BACK, label: say('flows:register.back') });
          return options;
        },
        accepts: ['text'],
        maxChars: 40,
      },
      next: async (input, c) => {
        const trail = c.data.trail ?? [];
        if (input.kind === 'text') {
          const unit = await unitByJoinCode(c.db, input.text);
          return unit ? goto('confirm', { data: { unitId: unit.id } }) : stay({ say: [say('flows:register.code_unknown', { code: input.text })] });
        }
        if (input.kind !== 'choice') return stay();
        if (input.value === BACK) return goto('pick', { data: { parentId: trail[trail.length - 1] || undefined, trail: trail.slice(0, -1) } });
        const node = await gridPlace(c.db, input.value);
        if (!node) return stay();
        if (node.level === 'unit') return goto('confirm', { data: { unitId: node.id } });
        return goto('pick', { data: { parentId: node.id, trail: [...trail, c.data.parentId ?? ''] } });
      },
    },

    confirm: {
      prompt: async (c) => {
        const unit = c.data.unitId ? await gridPlace(c.db, c.data.unitId) : undefined;
        return say('flows:register.confirm', { place: unit ? await placeName(c.db, unit) : '' });
      },
      expect: {
        choices: () => [
          { value: 'yes', label: say('flows:register.yes') },
          { value: 'no', label: say('flows:register.no') },
        ],
        columns: 2,
      },
      next: (input) =>
        input.kind === 'choice' && input.value === 'yes' ? goto('name') : goto('pick', { data: { parentId: undefined, trail: [], unitId: undefined } }),
    },

    name: {
      prompt: (c) => (c.update.displayName ? say('flows:register.name') : say('flows:register.name_type')),
      expect: {
        choices: (c) => (c.update.displayName ? [{ value: USE_PLATFORM_NAME, label: say('flows:register.use_name', { name: c.update.displayName }) }] : []),
        columns: 1,
        accepts: ['text'],
        maxChars: MAX_NAME_CHARS,
      },
      validate: (input) => (input.kind === 'text' && input.text.startsWith('/') ? say('flows:register.name_invalid') : null),
      next: (input, c) => {
        const name = input.kind === 'text' ? input.text : (c.update.displayName ?? '').slice(0, MAX_NAME_CHARS);
        return name ? goto('phone', { data: { name } }) : stay();
      },
    },

    phone: {
      prompt: () => say('flows:register.phone'),
      expect: { request: 'contact', skippable: true },
      validate: (input) => {
        if (input.kind !== 'contact') return null;
        if (!input.own) return say('flows:register.phone_not_own');
        return normalisePhone(input.phone) ? null : say('flows:register.phone_invalid');
      },
      next: async (input, c) => finish(c, input.kind === 'contact' ? normalisePhone(input.phone) : null),
    },
  },
};

async function finish(c: C, phone: string | null) {
  const unit = c.data.unitId ? await gridPlace(c.db, c.data.unitId) : undefined;
  if (!unit || !c.data.name) return goto('pick', { data: { parentId: undefined, trail: [] } });
  const { person } = await registerFromChat(c.db, {
    platform: c.update.platform,
    externalId: c.update.userId,
    chatId: c.update.chatId,
    name: c.data.name,
    locale: c.locale,
    phone,
    unitId: unit.id,
  });
  await c.refreshSender();
  const place = await placeName(c.db, unit);
  const carer = await carerOf(c.db, unit.id);
  // One message: what we kept, who looks after them, and what to do next.
  const lines = [
    ...(phone ? [c.t('flows:register.phone_saved', { phone: maskPhone(phone) })] : []),
    carer
      ? c.t('flows:register.done', { name: person.name, place, carer: carer.title ? `${carer.title}${carer.name}` : carer.name })
      : c.t('flows:register.done_no_carer', { name: person.name, place }),
    c.t('flows:register.what_next'),
  ];
  return done({ say: [literal(lines.join('\n'))], menu: true });
}

/** 138****1234: shown back so the person knows which number we kept, never in full. */
export function maskPhone(phone: string): string {
  const d = phone.replace(/\D/g, '');
  return d.length >= 7 ? `${d.slice(-11, -8) || d.slice(0, 3)}****${d.slice(-4)}` : '****';
}
