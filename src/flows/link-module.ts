// One officer, two platforms: `/link` gives a one-time code to type in the other platform
// (Slack: `/grid link CODE`); `/link CODE` links this account to whoever the code was made for.
import { createLinkCode, LINK_CODE_TTL_MINUTES, redeemLinkCode } from '../services/link-codes.js';
import { done, say } from './next.js';
import type { FlowModule } from './types.js';

export const linkModule: FlowModule = {
  commands: {
    link: async (c) => {
      if (c.update.chatType === 'group') return done({ say: [say('flows:help.group')] });
      const code = c.update.content.kind === 'command' ? c.update.content.args.trim() : '';
      if (code) {
        const r = await redeemLinkCode(c.svc, { platform: c.update.platform, externalId: c.update.userId, chatId: c.update.chatId, code });
        if (!r.ok) return done({ say: [say(`flows:link.${r.reason}`)] });
        await c.refreshSender();
        return done({ say: [say(r.already ? 'flows:link.already' : 'flows:link.done', { name: r.person.name })] });
      }
      if (!c.sender) return done({ say: [say('flows:link.need_register')] });
      const fresh = await createLinkCode(c.svc, c.sender.person.id);
      // The code is typed on the other side: asked where accounts are linked, it goes where people register (and the other way).
      return done({ say: [say(c.strangers === 'link' ? 'flows:link.code_telegram' : 'flows:link.code', { code: fresh.code, minutes: LINK_CODE_TTL_MINUTES })] });
    },
  },
};
