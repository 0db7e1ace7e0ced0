// Conversations written once for every channel. Add a feature as a FlowModule to
// `defaultModules()`; a later module's commands and menu items replace an earlier one's.
import { broadcastModule } from './broadcast-flow.js';
import { coreModule } from './core-module.js';
import { FlowEngine } from './engine.js';
import { matterModule } from './matter-module.js';
import type { FlowModule } from './types.js';

export { FlowEngine, FlowDefinitionError, FLOW_BUTTON_PREFIX, PAGE_SIZE, type TurnInput, type TurnResult } from './engine.js';
export { localeFromLanguageCode, isLocale } from '../domain/language.js';
export { done, goto, literal, say, startFlow, stay } from './next.js';
export { menuKeyboard, menuItemFor } from './render.js';
export type * from './types.js';

/** The modules every deployment runs, in order. */
export function defaultModules(): FlowModule[] {
  return [coreModule, matterModule, broadcastModule];
}

export function createFlowEngine(modules: readonly FlowModule[] = defaultModules()): FlowEngine {
  return new FlowEngine(modules);
}
