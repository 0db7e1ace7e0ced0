// 微信客服's messages are fetched, not pushed: on kf_msg_or_event, kf/sync_msg is read from the
// stored cursor, page by page while has_more, and each page is handed to `commit` together with
// the cursor that follows it. `commit` stores both in one transaction (the updates in the inbox,
// the cursor beside them): the cursor is never advanced past a message that was not committed. A
// failed commit stops the drain; the next one starts again from the last committed cursor, and
// the inbox's dedupe (by eventId) absorbs a page seen twice.
import { WecomApiError } from './wecom-errors.js';
import { fromKfMessage, type WecomChatUpdate } from './to-chat-update.js';
import type { KfSyncedMessage } from './wecom-types.js';
import type { WecomApi } from './wecom-api.js';

export interface KfPage {
  /** The cursor this page was read from (undefined: the beginning). */
  from: string | undefined;
  /** The cursor to store with this page: the next drain starts there. */
  next: string;
  updates: WecomChatUpdate[];
  /** The raw messages, for what the updates do not carry. */
  messages: KfSyncedMessage[];
}

export interface DrainOptions {
  api: WecomApi;
  /** Where the last committed page left off. */
  cursor: string | undefined;
  /**
   * Stores a page's updates and `page.next` in one transaction. It should store the cursor only if
   * the stored one is still `page.from` (another drain may have moved it), and may then skip the page.
   */
  commit: (page: KfPage) => Promise<void>;
  /** The token of the kf_msg_or_event callback (10 minutes): lifts sync_msg's strict limit. */
  token?: string;
  openKfId?: string;
  /** Per page; default 1000 (the maximum). */
  limit?: number;
  /** Stops after this many pages (the next callback continues); default 50. */
  maxPages?: number;
}

export interface DrainResult {
  pages: number;
  messages: number;
  cursor: string | undefined;
  /** More remained after maxPages. */
  more: boolean;
}

/** Reads and commits every page from `cursor`. Throws what `commit` or the API threw; the cursor is then where the last commit left it. */
export async function drainKf(opts: DrainOptions): Promise<DrainResult> {
  let cursor = opts.cursor;
  let token = opts.token;
  let pages = 0;
  let messages = 0;
  const maxPages = opts.maxPages ?? 50;
  for (;;) {
    let page;
    try {
      page = await opts.api.kfSyncMsg({ cursor, token, limit: opts.limit, openKfId: opts.openKfId });
    } catch (err) {
      // An expired or foreign callback token (95007): read on without it, under the stricter limit.
      if (!(err instanceof WecomApiError && err.errcode === 95007 && token)) throw err;
      token = undefined;
      continue;
    }
    await opts.commit({ from: cursor, next: page.next_cursor || cursor || '', updates: page.msg_list.map(fromKfMessage), messages: page.msg_list });
    pages += 1;
    messages += page.msg_list.length;
    cursor = page.next_cursor || cursor;
    // has_more may be 1 with an empty list: page on has_more, never on the list's length.
    if (!page.has_more) return { pages, messages, cursor, more: false };
    if (pages >= maxPages) return { pages, messages, cursor, more: true };
  }
}
