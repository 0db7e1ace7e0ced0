// Plain domain types shared by every layer. No I/O, no SDKs.

/** The five levels of the grid tree (五级管理体系), top to bottom. */
export const GRID_LEVELS = ['county', 'township', 'village', 'unit', 'household'] as const;
export type GridLevel = (typeof GRID_LEVELS)[number];

/** The levels a matter can sit at, bottom to top: the ladder it climbs. */
export const MATTER_LEVELS = ['unit', 'village', 'township', 'county'] as const;
export type MatterLevel = (typeof MATTER_LEVELS)[number];

/** 八步工作法, in order. */
export const STEPS = [
  'discover', // 发现
  'accept', // 受理
  'dispatch', // 分流
  'handle', // 处置
  'track', // 跟踪
  'supervise', // 督办
  'feedback', // 反馈
  'evaluate', // 评价
] as const;
export type Step = (typeof STEPS)[number];

/** Whether a matter is still being worked. */
export const MATTER_STATES = ['open', 'settled', 'closed', 'withdrawn'] as const;
export type MatterState = (typeof MATTER_STATES)[number];

/** 咨询, 求助, 投诉, 纠纷, 隐患, 其他 */
export const CATEGORIES = ['consult', 'help', 'complaint', 'dispute', 'hazard', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** 多网合一: one tree, the topic grid is a field of the matter. */
export const TOPICS = ['general', 'party', 'poverty', 'straw', 'sanitation', 'civility', 'safety'] as const;
export type Topic = (typeof TOPICS)[number];

/** Small matters stay in the village, big matters stay in the township. */
export const SIZES = ['small', 'big'] as const;
export type Size = (typeof SIZES)[number];

export const ROLES = [
  'villager',
  'household_head', // 户长 / 楼栋长
  'officer_full', // 专职网格员
  'officer_part', // 兼职网格员
  'grid_leader', // 网格长
  'cadre', // 村两委, 乡镇干部, 县领导
  'liaison', // 部门联络人
] as const;
export type Role = (typeof ROLES)[number];

export const PLATFORMS = ['telegram', 'slack', 'cli', 'wecom'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const LOCALES = ['zh-CN', 'zh-TW', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const ATTACHMENT_KINDS = ['photo', 'voice', 'location', 'document', 'video'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** A file kept on the platform: we store its reference, never its bytes. */
export interface Attachment {
  kind: AttachmentKind;
  platform: Platform;
  /** The platform's file reference (Telegram file_id, Slack file id); absent for locations. */
  fileRef?: string;
  latitude?: number;
  longitude?: number;
  caption?: string;
  /** The file's own name, when the platform gives one (documents). */
  fileName?: string;
  mimeType?: string;
  sizeBytes?: number;
}

/** Who is acting, as the rules see it. */
export type Actor =
  | { kind: 'system' }
  | { kind: 'person'; personId: string };
