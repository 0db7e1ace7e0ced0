import type { Attachment, Category, Platform, Size, Topic } from '../domain/types.js';

/** A report as it arrives from any channel (or the CLI), before it is a matter. */
export interface InboundEvent {
  /** Unique per delivery source, e.g. `telegram:update:123456`; the same id twice makes one matter. */
  eventId: string;
  platform: Platform;
  /** The reporter as the platform knows them, or the person's id for the CLI. */
  externalUserId: string;
  kind: 'report';
  category: Category;
  text: string;
  attachments?: Attachment[];
  topic?: Topic;
  size?: Size;
  /** A hazard the reporter marks urgent (a landslide, a fire): alerts go out even in quiet hours. */
  urgent?: boolean;
  /** An officer filing for someone (an elderly villager) or recording on patrol: the villager's person id. */
  onBehalfOf?: string;
  receivedAt: string;
}
