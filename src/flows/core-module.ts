// The ways in every deployment has: /start (register, or be greeted by name and role), /lang, /tz, /reach,
// /help, /cancel, the main menu's help, and what to say to a message outside any flow.
import { t as translate } from '../i18n/index.js';
import { holdsPost, POST_ROLES } from '../domain/roles.js';
import { reachChoices } from '../services/reach-service.js';
import { homeOf, placeName } from '../services/registration-service.js';
import { languageFlow } from './language-flow.js';
import { done, say, startFlow, stay } from './next.js';
import { registrationFlow } from './registration-flow.js';
import { reachFlow } from './reach-flow.js';
import { timezoneFlow } from './timezone-flow.js';
import type { Entry, FlowContext, FlowModule, Next, Say } from './types.js';

const greetNew = (code?: string): Next => startFlow('register', { data: code ? { code } : {} });

const start: Entry = async (c) => {
  if (c.update.chatType === 'group') return done({ say: [say('flows:start.group')] });
  const code = c.update.content.kind === 'command' ? c.update.content.args.trim() : '';
  if (!c.sender) return greetNew(code || undefined);
  const { person, placements } = c.sender;
  // 亮身份: staff are greeted by name and post, not asked to register.
  if (holdsPost(placements)) {
    const titles = placements
      .filter((p) => POST_ROLES.includes(p.role))
      .map((p) => p.title ?? `${p.node.name}${translate(c.locale, `common:role.${p.role}`)}`);
    return done({ say: [say('flows:start.staff', { name: person.name, titles: [...new Set(titles)].join(translate(c.locale, 'flows:start.joiner')) })] });
  }
  const home = homeOf(placements);
  if (home) return done({ say: [say('flows:start.welcome_back', { name: person.name, place: await placeName(c.db, home.node) })], menu: true });
  return done({ say: [say('flows:start.no_grid', { name: person.name })] });
};

function helpText(c: FlowContext): Say {
  if (c.update.chatType === 'group') return say('flows:help.group');
  // `{{cmd}}` in each: the command as the person's platform writes it (the engine fills it in).
  if (!c.sender) return say('flows:help.stranger');
  return holdsPost(c.sender.placements) ? say('flows:help.staff') : say('flows:help.villager');
}

/** Help leaves a flow where it is and asks its step again. */
const help: Entry = (c) => stay({ say: [helpText(c)] });

const lang: Entry = (c) => (c.update.chatType === 'group' ? done({ say: [say('flows:help.group')] }) : c.sender ? startFlow('language') : startFlow('register'));

const tz: Entry = (c) => (c.update.chatType === 'group' ? done({ say: [say('flows:help.group')] }) : c.sender ? startFlow('timezone') : startFlow('register'));

const reach: Entry = async (c) => {
  if (c.update.chatType === 'group') return done({ say: [say('flows:help.group')] });
  if (!c.sender) return startFlow('register');
  // One platform: nothing to choose.
  const { platforms } = await reachChoices(c.db, c.sender.person.id);
  if (platforms.length < 2) return done({ say: [say('flows:reach.only_here', { platform: c.t(`flows:reach.platform.${c.update.platform}`) })] });
  return startFlow('reach');
};

const cancel: Entry = (c) => done({ say: [say('flows:cancel.done')], menu: Boolean(c.sender) });

export const coreModule: FlowModule = {
  flows: [registrationFlow, languageFlow, timezoneFlow, reachFlow],
  commands: { start, help, lang, tz, reach, cancel, menu: (c) => done({ say: [say('flows:menu.hint')], menu: Boolean(c.sender) }) },
  menu: { help: (c) => done({ say: [helpText(c)], menu: true }) },
  idle: (c) => {
    const resident = Boolean(c.sender && homeOf(c.sender.placements));
    return done({ say: [resident ? say('flows:idle.resident') : say('flows:idle.staff')], menu: resident });
  },
  stranger: () => greetNew(),
};
