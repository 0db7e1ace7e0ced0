// /reach: a person linked on two platforms picks where notifications reach them, or leaves it to
// follow them to the one they last wrote from.
import { PLATFORMS, type Platform } from '../domain/types.js';
import { choosePlatform, reachChoices } from '../services/reach-service.js';
import { done, say, stay } from './next.js';
import type { Choice, Flow } from './types.js';

const isPlatform = (v: string): v is Platform => (PLATFORMS as readonly string[]).includes(v);

export const reachFlow: Flow = {
  name: 'reach',
  first: 'pick',
  timeoutMinutes: 60,
  steps: {
    pick: {
      prompt: () => say('flows:reach.choose'),
      expect: {
        choices: async (c): Promise<Choice[]> => {
          const { platforms, preferred } = c.sender ? await reachChoices(c.db, c.sender.person.id) : { platforms: [], preferred: null };
          const mark = (on: boolean) => (on ? '✓ ' : '');
          return [
            ...platforms.filter((p) => p !== 'cli').map((p) => ({ value: p, label: say('flows:reach.on', { mark: mark(preferred === p), platform: c.t(`flows:reach.platform.${p}`) }) })),
            { value: 'last', label: say('flows:reach.last', { mark: mark(preferred === null) }) },
          ];
        },
        columns: 1,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice' || !(input.value === 'last' || isPlatform(input.value))) return stay();
        if (!c.sender) return done();
        const platform = input.value === 'last' ? null : input.value;
        if (!(await choosePlatform(c.db, c.sender.person.id, platform))) return stay();
        return done({ say: [platform ? say('flows:reach.chosen', { platform: c.t(`flows:reach.platform.${platform}`) }) : say('flows:reach.follows')], menu: true });
      },
    },
  },
};
