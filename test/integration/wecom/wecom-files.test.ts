// Files crossing into and out of WeCom through the stand-in: each goes as the media type WeCom can
// show (a Telegram voice note in OGG goes as a file: WeCom plays only AMR), an oversize image as a
// plain file, beyond 20 MB refused before any upload; a villager's file is fetched with the
// 微信客服 token, a member's with the app's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTooLargeError } from '../../../src/ports/files.js';
import { WecomApi } from '../../../src/channels/wecom/wecom-api.js';
import { WecomFileFetchError, WecomFiles, mediaTypeFor } from '../../../src/channels/wecom/wecom-files.js';
import { FakeWecom, TEST_CORP } from '../../support/wecom/fake-wecom.js';

let fake: FakeWecom;
let files: WecomFiles;

beforeAll(async () => {
  fake = await FakeWecom.start();
  const base = { corpId: TEST_CORP.corpId, baseUrl: fake.url };
  files = new WecomFiles({
    app: new WecomApi({ ...base, secret: TEST_CORP.secret, secretName: String(TEST_CORP.agentId) }),
    kf: new WecomApi({ ...base, secret: TEST_CORP.kfSecret, secretName: 'kf' }),
  });
});
afterAll(async () => {
  await fake.stop();
});

const MB = 1024 * 1024;
const file = (bytes: number, mimeType: string, name = 'f') => ({ bytes: new Uint8Array(bytes).fill(7), name, mimeType, sizeBytes: bytes });

describe('WeCom files', () => {
  it('chooses the media type WeCom can show', () => {
    expect(mediaTypeFor('photo', 'image/jpeg', MB)).toBe('image');
    expect(mediaTypeFor('photo', 'image/webp', MB)).toBe('file');
    expect(mediaTypeFor('photo', 'image/png', 12 * MB)).toBe('file');
    expect(mediaTypeFor('voice', 'audio/amr', 100_000)).toBe('voice');
    expect(mediaTypeFor('voice', 'audio/ogg', 100_000)).toBe('file');
    expect(mediaTypeFor('video', 'video/mp4', 9 * MB)).toBe('video');
    expect(mediaTypeFor('video', 'video/quicktime', 9 * MB)).toBe('file');
    expect(mediaTypeFor('document', 'application/pdf', 21 * MB)).toBeNull();
  });

  it("uploads a Telegram voice note as a file and an AMR one as a voice; refuses 21 MB before uploading", async () => {
    expect((await files.upload('app', 'voice', file(2000, 'audio/ogg', 'voice.ogg'))).type).toBe('file');
    const amr = await files.upload('kf', 'voice', file(2000, 'audio/amr', 'voice.amr'));
    expect(amr.type).toBe('voice');
    expect(fake.mediaOf(amr.mediaId)).toMatchObject({ type: 'voice', name: 'voice.amr' });
    const uploads = fake.calls.filter((c) => c.path === 'media/upload').length;
    expect(await files.upload('app', 'document', file(21 * MB, 'application/pdf')).catch((e: unknown) => e)).toBeInstanceOf(FileTooLargeError);
    expect(fake.calls.filter((c) => c.path === 'media/upload').length).toBe(uploads);
  });

  it("fetches a villager's photo with the 微信客服 token and a member's with the app's", async () => {
    const photo = Buffer.from('a photo of the broken lamp post');
    const id = fake.putMedia('image', photo, '路灯.jpg', 'image/jpeg');
    const fromVillager = await files.fetch(`kf:${id}`, { maxBytes: MB });
    expect(Buffer.from(fromVillager.bytes).equals(photo)).toBe(true);
    expect(fake.secretOf(fake.calls.at(-1)!.token)).toBe(TEST_CORP.kfSecret);
    await files.fetch(`app:${id}`, { maxBytes: MB });
    expect(fake.secretOf(fake.calls.at(-1)!.token)).toBe(TEST_CORP.secret);
  });

  it('a media_id WeCom no longer has (3 days) or a reference that is not WeCom\'s fails by name', async () => {
    expect(await files.fetch('app:gone-after-three-days', { maxBytes: MB }).catch((e: unknown) => e)).toBeInstanceOf(WecomFileFetchError);
    expect(await files.fetch('AgACAgIAAxkBAAIB', { maxBytes: MB }).catch((e: unknown) => e)).toBeInstanceOf(WecomFileFetchError);
  });
});
