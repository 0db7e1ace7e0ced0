// /lang: the person picks the language everything is shown in, from then on.
import { setLanguage } from '../services/directory-service.js';
import { isLocale } from '../domain/language.js';
import { done, say, stay } from './next.js';
import { languageChoices } from './registration-flow.js';
import type { Flow } from './types.js';

export const languageFlow: Flow = {
  name: 'language',
  first: 'pick',
  timeoutMinutes: 60,
  steps: {
    pick: {
      prompt: () => say('flows:lang.choose'),
      expect: { choices: languageChoices, columns: 3 },
      next: async (input, c) => {
        if (input.kind !== 'choice' || !isLocale(input.value)) return stay();
        c.setLocale(input.value);
        if (c.sender) await setLanguage(c.db, c.sender.person.id, input.value);
        return done({ say: [say('flows:lang.changed')], menu: true });
      },
    },
  },
};
