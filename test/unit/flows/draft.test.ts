// What a person says in bursts, gathered into one draft: albums and quick lines are acknowledged
// once, edits replace what they edit, a second location replaces the first, and there are limits.
import { describe, expect, it } from 'vitest';
import { addPart, applyEdit, BURST_MS, draftAttachments, draftCounts, draftRefs, draftText, isEmptyDraft, MAX_PARTS, partOf, type DraftPart } from '../../../src/flows/draft.js';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 27, 2, 0, 0) + ms);
const photo = (group?: string, caption?: string) => ({ kind: 'photo' as const, attachment: { kind: 'photo' as const, platform: 'telegram' as const, fileRef: 'AgAD' }, caption, mediaGroupId: group });

function add(parts: DraftPart[], part: DraftPart | null) {
  const r = addPart(parts, part!);
  if (!r.ok) throw new Error(r.reason);
  return r;
}

describe('a draft', () => {
  it('takes text, photos with captions, voice and a location, keeping each message reference', () => {
    let parts: DraftPart[] = [];
    parts = add(parts, partOf({ kind: 'text', text: '邻居在我家田边堆柴草' }, 'telegram', '11', at(0))).parts;
    parts = add(parts, partOf(photo(undefined, '柴草堆'), 'telegram', '12', at(60_000))).parts;
    parts = add(parts, partOf({ kind: 'voice', attachment: { kind: 'voice', platform: 'telegram', fileRef: 'AwAD' } }, 'telegram', '13', at(120_000))).parts;
    parts = add(parts, partOf({ kind: 'location', latitude: 27.8, longitude: 114.6 }, 'telegram', '14', at(180_000))).parts;
    expect(draftText(parts)).toBe('邻居在我家田边堆柴草\n柴草堆');
    expect(draftAttachments(parts).map((a) => a.kind)).toEqual(['photo', 'voice', 'location']);
    expect(draftAttachments(parts)[0]!.caption).toBe('柴草堆');
    expect(draftCounts(parts)).toEqual({ texts: 1, photos: 1, voices: 1, files: 0, location: true });
    expect(draftRefs(parts)).toEqual(['11', '12', '13', '14']);
  });

  it('is quiet for an album’s later photos and for messages close together, not for one after a pause', () => {
    const first = add([], partOf(photo('g1'), 'telegram', '1', at(0)));
    expect(first.quiet).toBe(false);
    // An album's photos may be minutes apart on a slow line: the group id tells.
    const second = add(first.parts, partOf(photo('g1'), 'telegram', '2', at(BURST_MS * 10)));
    expect(second.quiet).toBe(true);
    const quick = add(second.parts, partOf({ kind: 'text', text: '就在村口' }, 'telegram', '3', at(BURST_MS * 10 + 1000)));
    expect(quick.quiet).toBe(true);
    const later = add(quick.parts, partOf({ kind: 'text', text: '还有一件事' }, 'telegram', '4', at(BURST_MS * 20)));
    expect(later.quiet).toBe(false);
  });

  it('replaces a location with a newer one', () => {
    let parts = add([], partOf({ kind: 'location', latitude: 1, longitude: 2 }, 'telegram', '1', at(0))).parts;
    parts = add(parts, partOf({ kind: 'location', latitude: 3, longitude: 4 }, 'telegram', '2', at(1000))).parts;
    expect(draftAttachments(parts)).toEqual([{ kind: 'location', platform: 'telegram', latitude: 3, longitude: 4 }]);
  });

  it('applies an edit to the message it edits, text or caption, and says when it is not one of its own', () => {
    let parts = add([], partOf({ kind: 'text', text: '老人摔了' }, 'telegram', '7', at(0))).parts;
    parts = add(parts, partOf(photo(undefined, '院子'), 'telegram', '8', at(1000))).parts;
    const e1 = applyEdit(parts, '7', '老人在院子里摔了，腿动不了');
    const e2 = applyEdit(e1.parts, '8', '院子里');
    expect(e1.found && e2.found).toBe(true);
    expect(draftText(e2.parts)).toBe('老人在院子里摔了，腿动不了\n院子里');
    expect(draftAttachments(e2.parts)[0]!.caption).toBe('院子里');
    expect(applyEdit(parts, '99', 'x').found).toBe(false);
  });

  it('refuses beyond its limits rather than growing without end', () => {
    let parts: DraftPart[] = [];
    for (let i = 0; i < MAX_PARTS; i++) parts = add(parts, partOf({ kind: 'text', text: `第${i}条` }, 'telegram', String(i), at(i))).parts;
    expect(addPart(parts, partOf({ kind: 'text', text: '再一条' }, 'telegram', 'x', at(0))!)).toEqual({ ok: false, reason: 'full' });
    expect(addPart([], partOf({ kind: 'text', text: '字'.repeat(8001) }, 'telegram', 'y', at(0))!)).toEqual({ ok: false, reason: 'too_long' });
  });

  it('is empty until it holds words or a file; a choice or a skip makes no part', () => {
    expect(isEmptyDraft(undefined)).toBe(true);
    expect(isEmptyDraft([{ kind: 'text', text: '  ', at: 0 }])).toBe(true);
    expect(partOf({ kind: 'skip' }, 'telegram', undefined, at(0))).toBeNull();
    expect(partOf({ kind: 'choice', value: 'done' }, 'telegram', undefined, at(0))).toBeNull();
  });
});
