// /tz: the zone a person reads times in (a villager working away from home, a cadre travelling):
// picked from a short list, or back to their grid's. Every time shown to them follows it.
import { setTimezone } from '../services/registration-service.js';
import { formatClock, formatTime } from '../i18n/index.js';
import { done, say, stay } from './next.js';
import type { Choice, Flow } from './types.js';

/** The zones offered, by the short code their button carries; 'grid' clears the choice. */
export const TIMEZONES: Readonly<Record<string, string>> = {
  shanghai: 'Asia/Shanghai',
  urumqi: 'Asia/Urumqi',
  taipei: 'Asia/Taipei',
  bangkok: 'Asia/Bangkok',
  tokyo: 'Asia/Tokyo',
  dubai: 'Asia/Dubai',
  berlin: 'Europe/Berlin',
  london: 'Europe/London',
  new_york: 'America/New_York',
};

export const timezoneFlow: Flow = {
  name: 'timezone',
  first: 'pick',
  timeoutMinutes: 60,
  steps: {
    pick: {
      prompt: () => say('flows:tz.choose'),
      expect: {
        choices: (c): Choice[] => [
          ...Object.entries(TIMEZONES).map(([code, zone]) => ({ value: code, label: say(`flows:tz.zones.${code}`, { now: formatClock(c.now, zone) }) })),
          { value: 'grid', label: say('flows:tz.grid') },
        ],
        columns: 2,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice' || !(input.value === 'grid' || input.value in TIMEZONES)) return stay();
        if (!c.sender) return done();
        const zone = input.value === 'grid' ? null : TIMEZONES[input.value]!;
        await setTimezone(c.db, c.sender.person.id, zone);
        const shown = zone ?? c.sender.placements[0]?.node.timezone ?? 'Asia/Shanghai';
        return done({ say: [say('flows:tz.changed', { now: formatTime(c.now, c.locale, shown) })], menu: true });
      },
    },
  },
};
