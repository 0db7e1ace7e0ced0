// What a person says in bursts, kept together until they confirm: several quick messages, an
// album of photos, a voice note, a location — one report (or one reply), never one per message.
// Plain data, kept in the flow's state; no I/O.
import type { Attachment, Platform } from '../domain/types.js';
import type { FlowInput } from './types.js';

export interface DraftPart {
  kind: 'text' | 'photo' | 'voice' | 'file' | 'location';
  /** The text, or a photo's caption. */
  text?: string;
  attachment?: Attachment;
  /** The platform's id of the message it came in, to follow edits. */
  messageRef?: string;
  /** An album's id: its photos arrive as separate messages. */
  group?: string;
  /** Epoch ms it arrived. */
  at: number;
}

/** More than this many messages in one draft is a forwarded chat history, not a report. */
export const MAX_PARTS = 40;
/** Messages closer together than this are one burst: no prompt after each. */
export const BURST_MS = 8_000;
/** Longest text a draft gathers (what intake takes). */
export const MAX_DRAFT_CHARS = 8000;

/** The part an input makes, or null for an input that carries nothing to keep. */
export function partOf(input: FlowInput, platform: Platform, messageRef: string | undefined, now: Date): DraftPart | null {
  const at = now.getTime();
  const ref = messageRef ? { messageRef } : {};
  switch (input.kind) {
    case 'text':
      return { kind: 'text', text: input.text, at, ...ref };
    case 'photo':
    case 'file':
      return {
        kind: input.kind,
        attachment: input.caption ? { ...input.attachment, caption: input.caption } : input.attachment,
        ...(input.caption ? { text: input.caption } : {}),
        ...(input.mediaGroupId ? { group: input.mediaGroupId } : {}),
        at,
        ...ref,
      };
    case 'voice':
      return { kind: 'voice', attachment: input.attachment, at, ...ref };
    case 'location':
      return { kind: 'location', attachment: { kind: 'location', platform, latitude: input.latitude, longitude: input.longitude }, at, ...ref };
    default:
      return null;
  }
}

export type AddResult =
  | { ok: true; parts: DraftPart[]; /** Part of a burst already acknowledged: say nothing. */ quiet: boolean }
  | { ok: false; reason: 'full' | 'too_long' };

/** Adds a part; a second location replaces the first. */
export function addPart(parts: readonly DraftPart[], part: DraftPart): AddResult {
  if (parts.length >= MAX_PARTS) return { ok: false, reason: 'full' };
  if ([...draftText([...parts, part])].length > MAX_DRAFT_CHARS) return { ok: false, reason: 'too_long' };
  const last = parts[parts.length - 1];
  const quiet = Boolean(last && ((part.group && last.group === part.group) || part.at - last.at < BURST_MS));
  const kept = part.kind === 'location' ? parts.filter((p) => p.kind !== 'location') : [...parts];
  return { ok: true, parts: [...kept, part], quiet };
}

/** Applies an edit of a message in the draft; `found` is false when the message is not one of its parts. */
export function applyEdit(parts: readonly DraftPart[], messageRef: string, text: string): { parts: DraftPart[]; found: boolean } {
  let found = false;
  const next = parts.map((p) => {
    if (p.messageRef !== messageRef) return p;
    found = true;
    if (p.kind === 'text') return { ...p, text };
    return { ...p, text, ...(p.attachment ? { attachment: { ...p.attachment, caption: text } } : {}) };
  });
  return { parts: next, found };
}

/** The words of the draft, one message a line. */
export function draftText(parts: readonly DraftPart[]): string {
  return parts
    .map((p) => p.text?.trim() ?? '')
    .filter(Boolean)
    .join('\n');
}

export function draftAttachments(parts: readonly DraftPart[]): Attachment[] {
  return parts.flatMap((p) => (p.attachment ? [p.attachment] : []));
}

export interface DraftCounts {
  texts: number;
  photos: number;
  voices: number;
  files: number;
  location: boolean;
}

export function draftCounts(parts: readonly DraftPart[]): DraftCounts {
  const n = (k: DraftPart['kind']) => parts.filter((p) => p.kind === k).length;
  return { texts: n('text'), photos: n('photo'), voices: n('voice'), files: n('file'), location: n('location') > 0 };
}

export const isEmptyDraft = (parts: readonly DraftPart[] | undefined): boolean => !parts?.some((p) => p.text?.trim() || p.attachment);

/** The message references of a draft, to link to the matter it became. */
export const draftRefs = (parts: readonly DraftPart[]): string[] => [...new Set(parts.flatMap((p) => (p.messageRef ? [p.messageRef] : [])))];
