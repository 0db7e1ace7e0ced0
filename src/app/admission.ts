// The one inbound contract (src/ports/admission.ts) over the inbox: deliveries committed, with the
// job that works each, and a platform's reading position beside them in the same transaction.
// Adapters get this from the composition root; they never import the inbox service.
import type { Admission } from '../ports/admission.js';
import type { ServiceContext } from '../ports/context.js';
import type { Locale } from '../domain/types.js';
import { admitInbound, chatInboxItem, storedCursor } from '../services/inbox-service.js';

export function inboxAdmission(ctx: ServiceContext, opts: { defaultLocale?: Locale } = {}): Admission {
  return {
    admit: (deliveries, cursor) =>
      admitInbound(
        ctx,
        deliveries.map((d) => chatInboxItem(d.update, d.deliveryId)),
        { defaultLocale: opts.defaultLocale, ...(cursor ? { cursor } : {}) },
      ),
    cursor: (key) => storedCursor(ctx, key),
  };
}
