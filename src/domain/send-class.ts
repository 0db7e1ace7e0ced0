// Who goes first when the platform's allowance is short (issue 19 §2). Every message out gets one
// class, decided here only, from what the message is: a conversation's next question first (a
// person is waiting for it), then a villager's receipt and an officer's first notice of a matter,
// then other notices, then bulk (broadcasts, digests, the evening sweeps). Within a class, first
// come first served.

export type SendClass = 'answer' | 'first' | 'notice' | 'bulk';

/** Most urgent first. */
export const SEND_CLASSES: readonly SendClass[] = ['answer', 'first', 'notice', 'bulk'];

/** 0 for the most urgent class; a lower rank goes first. */
export function sendRank(c: SendClass | undefined): number {
  // Unclassed (a caller that says nothing) waits with other notices: never ahead of a person waiting.
  return SEND_CLASSES.indexOf(c ?? 'notice');
}

/**
 * A villager told their report was received and where it went, and the notices that put a matter
 * in someone's hands for the first time (its officer, a department summoned, the village when
 * nobody took it or a hazard came in).
 */
export const FIRST_TEMPLATES: ReadonlySet<string> = new Set(['receipt', 'receipt_pending', 'receipt_village', 'receipt_nobody', 'routed', 'routed_village', 'routed_nobody', 'assigned', 'escalated', 'reopened', 'summoned', 'unassigned', 'urgent_hazard']);

/** Messages to many at once, on a schedule: nobody waits on one of them in particular. */
export const BULK_TEMPLATES: ReadonlySet<string> = new Set(['broadcast', 'digest', 'sweep', 'sweep_villages', 'open_disputes']);

/** What a message out is, as far as its class goes: a delivery row, or the few fields of one. */
export interface SendClassInput {
  template: string;
  /** Set for a conversation's output. */
  output?: unknown;
  /** The update or event an output answers: `card:…` a card brought up to date, `broadcast:…` a broadcast's progress. */
  eventId?: string | null;
  /** Set for a broadcast's copy. */
  broadcastId?: string | null;
}

export function sendClass(d: SendClassInput): SendClass {
  if (d.broadcastId) return 'bulk';
  if (d.output !== undefined && d.output !== null) {
    if (d.eventId?.startsWith('broadcast:')) return 'bulk';
    // A card redrawn after its matter moved (a receipt now naming who handles it, an officer's card
    // now taken) goes with receipts and first notices: it waits in the reader's queue ahead of them.
    if (d.eventId?.startsWith('card:')) return 'first';
    return 'answer';
  }
  if (FIRST_TEMPLATES.has(d.template)) return 'first';
  if (BULK_TEMPLATES.has(d.template)) return 'bulk';
  return 'notice';
}
