// The web desk's way in from chat: `/desk` (Slack: `/grid desk`) sends a staff member a one-time
// sign-in link, privately. The link opens a confirm page; only its button uses the link, so a
// chat's link preview cannot (the channels send with previews off anyway).
import { DESK_LINK_MINUTES, issueDeskLink } from '../services/desk-sign-in.js';
import { coreModule } from './core-module.js';
import { done, say } from './next.js';
import type { FlowModule } from './types.js';

/** `/desk` answered with links to `${baseUrl}/desk/in/<token>` (a function: an address known only once the server listens). */
export function deskLinkModule(baseUrl: string | (() => string)): FlowModule {
  const root = () => (typeof baseUrl === 'function' ? baseUrl() : baseUrl).replace(/\/+$/, '');
  return {
    commands: {
      desk: async (c) => {
        if (c.update.chatType === 'group') return done({ say: [say('flows:desk_link.private_only')] });
        if (!c.sender) return coreModule.stranger ? coreModule.stranger(c) : done();
        const issued = await issueDeskLink(c.svc, c.sender.person.id, c.sender.placements);
        if (!issued.ok) return done({ say: [say('flows:desk_link.not_staff')] });
        return done({ say: [say('flows:desk_link.sent', { url: `${root()}/desk/in/${issued.token}`, minutes: DESK_LINK_MINUTES })] });
      },
    },
  };
}
