// The few Web API calls gridline makes, over Bolt's WebClient: posts paced to about one message a
// second per channel (shared by every process on the token when the buckets are in Redis), a 429 turned into RetryAfterError, and a closed door into
// RecipientUnreachableError, so the send worker knows what to do.
import { webApi } from '@slack/bolt';
import { createHash } from 'node:crypto';
import { RecipientUnreachableError, RetryAfterError } from '../../ports/channel.js';
import { MemoryRateBuckets, type Bucket, type RateBuckets } from '../../ports/rate-buckets.js';

type WebClient = InstanceType<typeof webApi.WebClient>;
// Block Kit objects are built by our own renderers; the Web API takes them as they are.
export type Block = Record<string, unknown>;
export type View = Record<string, unknown>;

/** Errors that mean this person or channel cannot be written to any more. */
const UNREACHABLE = new Set(['channel_not_found', 'user_not_found', 'account_inactive', 'is_archived', 'not_in_channel', 'cannot_dm_bot', 'user_disabled', 'restricted_action']);

const HINTS: Record<string, string> = {
  invalid_auth: 'SLACK_BOT_TOKEN is wrong or was revoked: copy the Bot User OAuth Token (xoxb-…) again',
  not_authed: 'SLACK_BOT_TOKEN is missing',
  token_revoked: 'the app was uninstalled or its token revoked: reinstall it and set SLACK_BOT_TOKEN',
  missing_scope: 'the app lacks a scope: compare its scopes with slack/manifest.yaml and reinstall it',
  expired_trigger_id: 'the button was pressed more than 3 s before the modal opened: press it again',
};

/** A Web API call Slack refused; `code` is Slack's error string (e.g. missing_scope). */
export class SlackApiError extends Error {
  override readonly name = 'SlackApiError';
  constructor(
    readonly method: string,
    readonly code: string,
  ) {
    super(`Slack ${method} failed: ${code}${HINTS[code] ? ` (${HINTS[code]})` : ''}`);
  }
}

export function isSlackApiError(err: unknown, code?: string): err is SlackApiError {
  return err instanceof SlackApiError && (code === undefined || err.code === code);
}

/**
 * At most one post per `intervalMs` per channel (Slack allows about one message a second). A wait
 * longer than `maxWaitMs` is not slept through: RetryAfterError hands it back to the queue.
 * With shared buckets (Redis), every process posting with the token draws on one budget per
 * channel; without, this process keeps it.
 */
export class ChannelPacer {
  private readonly buckets: RateBuckets;
  private readonly namespace: string;
  constructor(
    private readonly intervalMs = 1000,
    private readonly maxWaitMs = 3000,
    shared?: { buckets: RateBuckets; token: string },
  ) {
    this.buckets = shared?.buckets ?? new MemoryRateBuckets();
    // The budget is the token's; its hash names it, never the token itself.
    this.namespace = shared ? createHash('sha256').update(shared.token).digest('hex').slice(0, 16) : 'local';
  }

  private bucket(channel: string): Bucket {
    return { key: `slack:${this.namespace}:${channel}`, intervalMs: Math.max(1, this.intervalMs), burst: 1 };
  }

  async slot(channel: string): Promise<void> {
    if (this.intervalMs <= 0) return;
    const slot = await this.buckets.reserve(this.bucket(channel), this.maxWaitMs);
    if ('refusedMs' in slot) throw new RetryAfterError(slot.refusedMs, 'slack', true);
    if (slot.waitMs > 0) await new Promise((r) => setTimeout(r, slot.waitMs));
  }

  /** Slack said wait: nothing more to this channel before then. */
  hold(channel: string, ms: number): void {
    void this.buckets.hold(this.bucket(channel), ms).catch(() => {});
  }
}

export interface SlackFileInfo {
  name: string | null;
  mimeType: string | null;
  sizeBytes: number | null;
  url: string | null;
}

export interface PostResult {
  channel: string;
  ts: string;
}

export class SlackApi {
  constructor(
    readonly client: WebClient,
    private readonly pacer: ChannelPacer,
  ) {}

  private async call<T>(method: string, run: () => Promise<T>, channel?: string): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.convert(method, err, channel);
    }
  }

  private convert(method: string, err: unknown, channel?: string): Error {
    const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
    if (e?.code === webApi.ErrorCode.RateLimitedError) {
      const ms = Math.max(1, e.retryAfter ?? 1) * 1000;
      if (channel) this.pacer.hold(channel, ms);
      return new RetryAfterError(ms, 'slack');
    }
    if (e?.code === webApi.ErrorCode.PlatformError && e.data?.error) return new SlackApiError(method, e.data.error);
    return err instanceof Error ? err : new Error(String(err));
  }

  /** Posts to a channel, a DM (channel = the user's id) or a thread. */
  async post(args: { channel: string; text: string; blocks?: Block[]; threadTs?: string }): Promise<PostResult> {
    await this.pacer.slot(args.channel);
    try {
      const res = await this.call(
        'chat.postMessage',
        () =>
          this.client.chat.postMessage({
            channel: args.channel,
            text: args.text,
            ...(args.blocks ? { blocks: args.blocks as never } : {}),
            ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
            unfurl_links: false,
          }),
        args.channel,
      );
      return { channel: String(res.channel ?? args.channel), ts: String(res.ts) };
    } catch (err) {
      if (isSlackApiError(err) && UNREACHABLE.has(err.code)) throw new RecipientUnreachableError('slack', `${err.code}: ${args.channel}`);
      throw err;
    }
  }

  /** A shared file's details: its size before anything is downloaded, and where to download it. */
  async fileInfo(id: string): Promise<SlackFileInfo> {
    const res = await this.call('files.info', () => this.client.files.info({ file: id }));
    const f = (res.file ?? {}) as Record<string, unknown>;
    const url = typeof f.url_private_download === 'string' ? f.url_private_download : typeof f.url_private === 'string' ? f.url_private : null;
    return { name: typeof f.name === 'string' ? f.name : null, mimeType: typeof f.mimetype === 'string' ? f.mimetype : null, sizeBytes: typeof f.size === 'number' ? f.size : null, url };
  }

  /** The bot's token, for downloading a file's url_private (Slack wants it as a Bearer header). */
  get token(): string | undefined {
    return this.client.token;
  }

  /**
   * Uploads a file into a channel (and a thread): files.getUploadURLExternal, the bytes POSTed to
   * the upload URL, then files.completeUploadExternal shares it there.
   */
  async uploadFile(args: { channel: string; threadTs?: string; name: string; title?: string; bytes: Uint8Array }): Promise<{ fileId: string }> {
    const url = await this.call('files.getUploadURLExternal', () => this.client.files.getUploadURLExternal({ filename: args.name, length: args.bytes.byteLength }));
    if (!url.upload_url || !url.file_id) throw new SlackApiError('files.getUploadURLExternal', 'no_upload_url');
    const res = await fetch(url.upload_url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: args.bytes });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 429) throw new RetryAfterError(Number(res.headers.get('retry-after') ?? 1) * 1000, 'slack');
    if (!res.ok) throw new SlackApiError('upload_url', `http_${res.status}`);
    const fileId = url.file_id;
    await this.pacer.slot(args.channel);
    await this.call(
      'files.completeUploadExternal',
      () =>
        this.client.files.completeUploadExternal({
          files: [{ id: fileId, title: args.title ?? args.name }],
          ...(args.threadTs ? { channel_id: args.channel, thread_ts: args.threadTs } : { channel_id: args.channel }),
        }),
      args.channel,
    );
    return { fileId };
  }

  async update(args: { channel: string; ts: string; text: string; blocks: Block[] }): Promise<void> {
    await this.call('chat.update', () => this.client.chat.update({ channel: args.channel, ts: args.ts, text: args.text, blocks: args.blocks as never }), args.channel);
  }

  async ephemeral(args: { channel: string; user: string; text: string; threadTs?: string }): Promise<void> {
    await this.call('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({ channel: args.channel, user: args.user, text: args.text, ...(args.threadTs ? { thread_ts: args.threadTs } : {}) }),
    );
  }

  async openView(triggerId: string, view: View): Promise<void> {
    await this.call('views.open', () => this.client.views.open({ trigger_id: triggerId, view: view as never }));
  }

  async publishHome(user: string, view: View): Promise<void> {
    await this.call('views.publish', () => this.client.views.publish({ user_id: user, view: view as never }));
  }

  /**
   * A small sign that a person's message was taken (relayed, or kept as a note). A 429 waits like
   * any call; Slack refusing it (already reacted, the message gone) does not matter.
   */
  async react(channel: string, ts: string, name: string): Promise<void> {
    try {
      await this.call('reactions.add', () => this.client.reactions.add({ channel, timestamp: ts, name }), channel);
    } catch (err) {
      if (err instanceof RetryAfterError) throw err;
    }
  }

  /** Answers a slash command or a button through its response_url (ephemeral by default). */
  async respond(responseUrl: string, body: { text: string; blocks?: Block[]; response_type?: 'ephemeral' | 'in_channel'; replace_original?: boolean }): Promise<void> {
    const res = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...body }),
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 429) throw new RetryAfterError(Number(res.headers.get('retry-after') ?? 1) * 1000, 'slack');
    if (!res.ok) throw new SlackApiError('response_url', `http_${res.status}`);
  }
}
