import type { ActionHandler } from './handler.js';

/** The clocks run again (performAction's pauseFor writes the event). */
export const resume: ActionHandler<'resume'> = {
  apply() {},
};
