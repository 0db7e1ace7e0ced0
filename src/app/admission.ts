// The one inbound contract (src/ports/admission.ts), as the composition root gives it to every
// adapter: deliveries go to the inbox with the jobs that work them, and a platform's reading
// cursor moves in the same transaction.
import type { Admission } from '../ports/admission.js';
import type { ServiceContext } from '../ports/context.js';
import type { Locale } from '../domain/types.js';
import { admitInbound, chatInboxItem, platformCursor } from '../services/inbox-service.js';

export function createAdmission(ctx: ServiceContext, opts: { defaultLocale?: Locale } = {}): Admission {
  return {
    admit: (deliveries, cursor) =>
      admitInbound(
        ctx,
        deliveries.map((d) => chatInboxItem(d.update, d.deliveryId)),
        { defaultLocale: opts.defaultLocale, ...(cursor ? { cursor } : {}) },
      ),
    cursor: (key) => platformCursor(ctx, key),
  };
}
