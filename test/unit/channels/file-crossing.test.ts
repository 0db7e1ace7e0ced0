import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossingNote, downloadBounded, fetchForCrossing, sendWithRetries } from '../../../src/channels/file-crossing.js';
import type { Attachment } from '../../../src/domain/types.js';
import { FileFetchError, FileTooLargeError, fileSourceOf, type FileSource } from '../../../src/ports/files.js';

const photo: Attachment = { kind: 'photo', platform: 'slack', fileRef: 'F1', sizeBytes: 2000 };
const content = { bytes: new Uint8Array([1, 2, 3]), name: 'a.jpg', mimeType: 'image/jpeg', sizeBytes: 3 };

describe('fetchForCrossing', () => {
  it('refuses a file whose known size is above the limit without fetching it', async () => {
    let fetched = 0;
    const source: FileSource = async () => (fetched++, content);
    expect(await fetchForCrossing(source, { ...photo, sizeBytes: 60 }, 50)).toEqual({ ok: false, reason: 'too_large', limitBytes: 50 });
    expect(fetched).toBe(0);
  });

  it('tries a failing fetch again, then gives up with fetch_failed', async () => {
    let tries = 0;
    const source: FileSource = async () => {
      tries++;
      throw new FileFetchError('slack', 'http_500');
    };
    expect(await fetchForCrossing(source, photo, 10_000, { attempts: 3, pauseMs: 1 })).toEqual({ ok: false, reason: 'fetch_failed' });
    expect(tries).toBe(3);
  });

  it('succeeds on a later try', async () => {
    let tries = 0;
    const source: FileSource = async () => {
      if (++tries < 2) throw new FileFetchError('slack', 'http_500');
      return content;
    };
    expect(await fetchForCrossing(source, photo, 10_000, { pauseMs: 1 })).toEqual({ ok: true, file: content });
  });

  it('does not retry a file found too large while fetching', async () => {
    let tries = 0;
    const source: FileSource = async () => {
      tries++;
      throw new FileTooLargeError(900, 500);
    };
    expect(await fetchForCrossing(source, { ...photo, sizeBytes: undefined }, 500, { pauseMs: 1 })).toEqual({ ok: false, reason: 'too_large', limitBytes: 500 });
    expect(tries).toBe(1);
  });

  it('calls a file with no way to fetch it unsupported', async () => {
    expect(await fetchForCrossing(undefined, photo, 10_000)).toEqual({ ok: false, reason: 'unsupported' });
    const none = fileSourceOf([]);
    await expect(none(photo, { maxBytes: 10 })).rejects.toBeInstanceOf(FileFetchError);
  });
});

describe('sendWithRetries', () => {
  it('passes a platform wait up at once and tries other failures again', async () => {
    const wait = new Error('wait');
    await expect(sendWithRetries(async () => Promise.reject(wait), (e) => e === wait, { pauseMs: 1 })).rejects.toBe(wait);
    let n = 0;
    expect(
      await sendWithRetries(async () => {
        if (n++ < 1) throw new Error('x');
      }, () => false, { pauseMs: 1 }),
    ).toBe(true);
    expect(n).toBe(2);
    expect(await sendWithRetries(async () => Promise.reject(new Error('x')), () => false, { attempts: 2, pauseMs: 1 })).toBe(false);
  });
});

describe('downloadBounded', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': '5000' });
        res.end(Buffer.alloc(5000));
      } else if (req.url === '/chunked') {
        // No length given: counted while read.
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000));
        res.end();
      } else if (req.url === '/small') {
        res.writeHead(200);
        res.end(Buffer.from('hello'));
      } else {
        res.writeHead(500);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('refuses by Content-Length before reading', async () => {
    await expect(downloadBounded(`${base}/declared`, {}, 4000, 'slack')).rejects.toMatchObject({ name: 'FileTooLargeError', sizeBytes: 5000, limitBytes: 4000 });
  });

  it('refuses by counting when no length is given', async () => {
    await expect(downloadBounded(`${base}/chunked`, {}, 4000, 'slack')).rejects.toBeInstanceOf(FileTooLargeError);
  });

  it('reads a small file, and names an HTTP failure', async () => {
    expect(Buffer.from(await downloadBounded(`${base}/small`, {}, 4000, 'telegram')).toString()).toBe('hello');
    await expect(downloadBounded(`${base}/fail`, {}, 4000, 'telegram')).rejects.toMatchObject({ name: 'FileFetchError', reason: 'http_500' });
  });
});

describe('crossingNote', () => {
  it('names the file, its size and the limit in the reader’s language', () => {
    const video: Attachment = { kind: 'video', platform: 'slack', fileRef: 'F2', fileName: '现场录像.mov', sizeBytes: 60 * 1024 * 1024 };
    expect(crossingNote(video, 'too_large', 'zh-CN', 50 * 1024 * 1024)).toBe('附带的视频（现场录像.mov）有 60MB，超过了这边能收的 50MB，没能一起转过来。要看原件，请跟对方说一声，换个小点的再发。');
    expect(crossingNote(video, 'too_large', 'zh-TW', 50 * 1024 * 1024)).toContain('附帶的影片（现场录像.mov）有 60MB');
    expect(crossingNote({ kind: 'photo', platform: 'telegram', fileRef: 'x' }, 'fetch_failed', 'en')).toContain('The photo that came with this could not be fetched from Telegram');
  });
});
