// WeCom's allowances as budgets for the shared rate buckets (src/ports/rate-buckets.ts), so every
// process sending for one app keeps under them — WeCom drops what goes over the per-member limits
// rather than always refusing it. And the 微信客服 window, as the port will ask for it.
//
// A GCRA bucket lets `burst` go at once and then one per `intervalMs`, so in any span T it passes
// at most burst + T / interval - 1 (bounded below T's own count). The budgets are chosen so that
// bound stays within WeCom's figures for every minute, hour and day:
//   per member:  5 + 60 s / 2.4 s − 1 = 29 ≤ 30 a minute;  100 + 3600 s / 4 s − 1 = 999 ≤ 1000 an hour.
//   per app:     licensed accounts × 200 a day, the same way.
import type { Bucket } from '../../ports/rate-buckets.js';

/** 发送应用消息: per app and member, 30 a minute and 1000 an hour; per app, accounts × 200 a day. */
export const APP_SEND_LIMITS = { perMemberPerMinute: 30, perMemberPerHour: 1000, perAccountPerDay: 200 } as const;

/** 微信客服: after the villager writes, at most 5 messages within 48 hours. */
export const KF_SENDING_WINDOW = { messages: 5, afterInboundMs: 48 * 3600_000 } as const;

const DAY_MS = 86_400_000;

/** The buckets one message to a member must pass (both), in the order to reserve them. */
export function memberBuckets(corpId: string, agentId: number | string, userId: string): Bucket[] {
  const key = `wecom:${corpId}:${agentId}:member:${userId}`;
  return [
    { key: `${key}:min`, intervalMs: 2_400, burst: 5 },
    { key: `${key}:hour`, intervalMs: 4_000, burst: 100 },
  ];
}

/** The app's daily total: `licensedAccounts` × 200 person-times. */
export function appDayBucket(corpId: string, agentId: number | string, licensedAccounts: number): Bucket {
  const perDay = Math.max(1, Math.floor(licensedAccounts * APP_SEND_LIMITS.perAccountPerDay));
  const burst = Math.max(1, Math.min(200, Math.floor(perDay / 20)));
  // burst + day / interval − 1 ≤ perDay
  const intervalMs = DAY_MS / Math.max(1, perDay - burst + 1);
  return { key: `wecom:${corpId}:${agentId}:day`, intervalMs, burst };
}
