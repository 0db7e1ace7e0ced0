// What a broadcast's copy and the notices about it look like: the author's words in the reader's
// language (their own version, else the default), its reply buttons and 不再接收. Button data is
// checked again when pressed (answerBroadcast, decideBroadcast).
import { BROADCAST_BUTTONS, textFor } from '../domain/index.js';
import type { Attachment } from '../domain/types.js';
import type { OutboundText } from '../ports/channel.js';
import { translator } from '../i18n/index.js';

/** Button data: `bc:<verb>:<broadcast id>[:<answer>]`, well under Telegram's 64 bytes. */
export const BROADCAST_BUTTON_PREFIX = 'bc';
export const broadcastButtonData = (verb: 'a' | 'ok' | 'no' | 'stop' | 'x', id: string, answer?: string) => [BROADCAST_BUTTON_PREFIX, verb, id, ...(answer ? [answer] : [])].join(':');

/** The templates rendered here from `broadcast:*` (not notify.json); always to one person, never a group. */
export const BROADCAST_TEMPLATES: ReadonlySet<string> = new Set(['broadcast', 'broadcast_approval', 'broadcast_approved', 'broadcast_rejected', 'broadcast_report']);

/** A broadcast template rendered for one reader, or null when the template is not a broadcast's. */
export function renderBroadcast(delivery: { template: string; params: Record<string, unknown> }, locale: string): OutboundText | null {
  const p = delivery.params;
  const id = typeof p.broadcastId === 'string' ? p.broadcastId : '';
  const tr = translator(locale);
  if (delivery.template === 'broadcast') {
    const texts = (p.texts && typeof p.texts === 'object' ? p.texts : {}) as Record<string, string>;
    const text = textFor(texts, locale, typeof p.defaultLocale === 'string' ? p.defaultLocale : 'zh-CN');
    const asked = (Array.isArray(p.buttons) ? p.buttons : []).filter((b): b is (typeof BROADCAST_BUTTONS)[number] => BROADCAST_BUTTONS.includes(b));
    const buttons = [
      ...asked.map((b) => ({ label: tr(`broadcast:button.${b}`), data: broadcastButtonData('a', id, b) })),
      { label: tr('broadcast:button.stop'), data: broadcastButtonData('stop', id) },
    ];
    const attachments = (Array.isArray(p.attachments) ? (p.attachments as Attachment[]) : []).slice(0, 1);
    // With a photo or a document the words are its caption where the platform allows (Telegram), else alongside.
    return { kind: 'message', text: `${tr('broadcast:heading')}\n${text}`, buttons: [buttons], ...(attachments.length ? { attachments, captioned: true } : {}) };
  }
  if (delivery.template === 'broadcast_approval') {
    return {
      kind: 'message',
      text: tr('broadcast:approval.ask', p),
      buttons: [[{ label: tr('broadcast:approval.approve'), data: broadcastButtonData('ok', id) }, { label: tr('broadcast:approval.reject'), data: broadcastButtonData('no', id) }]],
    };
  }
  if (delivery.template === 'broadcast_report') {
    const n = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : 0);
    // `failed` in the report counts the expired too (everything not delivered but /stop).
    const lines = notDeliveredLines(locale, { failed: n('failed') - n('expired'), blocked: n('blocked'), expired: n('expired') });
    return { kind: 'message', text: [tr('broadcast:report', p), ...lines].join('\n') };
  }
  if (delivery.template === 'broadcast_approved' || delivery.template === 'broadcast_rejected') {
    return { kind: 'message', text: tr(`broadcast:${delivery.template.slice('broadcast_'.length)}`, p) };
  }
  return null;
}

/**
 * Not delivered, by reason (only the reasons there are), for the report and the finished progress:
 * unreachable (`blocked`), an error (`failed` less the blocked), the sending window (`expired`).
 */
export function notDeliveredLines(locale: string, p: { failed: number; blocked: number; expired: number }): string[] {
  const t = translator(locale);
  const by: Array<[string, number]> = [
    ['blocked', p.blocked],
    ['failed', p.failed - p.blocked],
    ['window_expired', p.expired],
  ];
  return by.filter(([, n]) => n > 0).map(([k, n]) => t(`broadcast:not_delivered.${k}`, { count: n }));
}
