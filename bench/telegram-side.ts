// Telegram's side of the pipeline bench (bench/pipeline.ts), in a process of its own as Telegram is
// not in the service's: the Bot API stand-in the bot sends to, and the villagers who report
// through the webhook, step by step as the bot asks. The bench starts it, hands it the webhook,
// and gets back what it measured; its CPU is counted apart from the service's.
//
// Messages from the bench: { kind: 'start', limits } → { kind: 'ready', url, token };
// { kind: 'run', … } → { kind: 'done', result }; { kind: 'close' } → the process ends.
import { BotApiStandIn, type Sent } from './bot-api-stand-in.js';
import { deliverUpdate, VILLAGER_ID } from './support.js';

export type ToSide =
  | { kind: 'start'; limits: boolean }
  | { kind: 'run'; webhookUrl: string; secret: string; users: number[]; arrivalPerSecond?: number; thinkMs: number }
  | { kind: 'close' };

/** What the villagers saw; times are epoch milliseconds (the two processes share no clock origin). */
export interface SideResult {
  reports: number;
  startedAt: number;
  /** When the last message arrived. */
  endedAt: number;
  receipt: number[];
  /** Each report's reference, when 提交 was pressed and when its receipt came (epoch ms). */
  filed: Array<{ ref: string; pressedAt: number; receiptAt: number }>;
  notice: number[];
  question: number[];
  refused: number;
  /** When each message (send or edit) was taken. */
  taken: number[];
  /** This process's CPU seconds over the run. */
  cpuSeconds: number;
}

export type FromSide = { kind: 'ready'; url: string; token: string } | { kind: 'done'; result: SideResult } | { kind: 'failed'; error: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const epoch = (t: number) => performance.timeOrigin + t;

/** One villager's report, step by step as the bot asks; resolves with the time of the 提交 press and the receipt's reference. */
function villager(
  api: BotApiStandIn,
  post: (update: Record<string, unknown>) => Promise<void>,
  userId: number,
  i: number,
  thinkMs: number,
  out: { receipts: Map<string, number>; receiptAt: Map<string, number>; question: number[] },
): Promise<{ submitAt: number; ref: string }> {
  const from = { id: userId, is_bot: false, first_name: `村民${i}`, language_code: 'zh-hans' };
  const chat = { id: userId, type: 'private' };
  let msg = 1;
  // When the villager last said something the bot answers with its next question.
  let askedAt = 0;
  const send = (update: Record<string, unknown>) => {
    askedAt = performance.now();
    return post(update);
  };
  const say = (text: string) => send({ message: { message_id: msg++, date: Math.floor(Date.now() / 1000), from, chat, text } });
  const press = (m: Sent, label: string) => {
    const data = m.buttons.find((b) => b.text === label)?.callback_data;
    return send({ callback_query: { id: `${userId}-${msg++}`, from, chat_instance: String(userId), data, message: { message_id: m.messageId, date: Math.floor(Date.now() / 1000), chat, text: m.text } } });
  };
  const think = async () => {
    if (thinkMs > 0) await sleep(thinkMs);
  };
  return new Promise((resolve, reject) => {
    let submitAt = 0;
    const steps: Array<[(m: Sent) => boolean, (m: Sent) => Promise<void>]> = [
      [(m) => m.buttons.some((b) => b.text === '🙋 生活求助'), (m) => press(m, '🙋 生活求助')],
      [(m) => m.text.includes('请说一说是什么事'), () => say(`第${i + 1}号：家门口的路灯坏了好几天了。`)],
      [(m) => m.buttons.some((b) => b.text === '✅ 说完了'), (m) => press(m, '✅ 说完了')],
      [(m) => m.text.includes('事情发生在哪里'), () => say('跳过')],
      [
        (m) => m.buttons.some((b) => b.text === '📨 提交'),
        (m) => {
          submitAt = performance.now();
          askedAt = 0;
          return post({ callback_query: { id: `${userId}-${msg++}`, from, chat_instance: String(userId), data: m.buttons.find((b) => b.text === '📨 提交')?.callback_data, message: { message_id: m.messageId, date: Math.floor(Date.now() / 1000), chat, text: m.text } } });
        },
      ],
    ];
    api.listeners.set(userId, (m) => {
      const ref = /受理编号 (\d{4}-\d{4})/.exec(m.text)?.[1];
      if (ref && submitAt) {
        out.receipts.set(ref, m.at - submitAt);
        out.receiptAt.set(ref, m.at);
        api.listeners.delete(userId);
        return resolve({ submitAt, ref });
      }
      const step = steps[0];
      if (step && step[0](m)) {
        steps.shift();
        if (askedAt) out.question.push(m.at - askedAt);
        askedAt = 0;
        think()
          .then(() => step[1](m))
          .catch(reject);
      }
    });
    say('反映问题').catch(reject);
  });
}

async function run(api: BotApiStandIn, o: Extract<ToSide, { kind: 'run' }>): Promise<SideResult> {
  let updateId = 1;
  const post = (update: Record<string, unknown>) => deliverUpdate(o.webhookUrl, o.secret, { update_id: updateId++, ...update });
  const out = { receipts: new Map<string, number>(), receiptAt: new Map<string, number>(), question: [] as number[] };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const filed = await Promise.all(
    o.users.map(async (u, i) => {
      if (o.arrivalPerSecond) await sleep(Math.max(0, t0 + (i / o.arrivalPerSecond) * 1000 - performance.now()));
      return villager(api, post, u, i, o.thinkMs, out);
    }),
  );
  // Done when every officer has been told of each matter.
  const submitted = new Map(filed.map((f) => [f.ref, f.submitAt]));
  const notice = new Map<string, number>();
  while (notice.size < filed.length) {
    for (const m of api.sent) {
      if (m.chatId >= VILLAGER_ID) continue;
      const ref = /(\d{4}-\d{4})/.exec(m.text)?.[1];
      if (ref && submitted.has(ref) && !notice.has(ref)) notice.set(ref, m.at - submitted.get(ref)!);
    }
    if (notice.size < filed.length) await sleep(100);
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    reports: filed.length,
    startedAt: epoch(t0),
    endedAt: epoch(Math.max(...api.sent.map((m) => m.at))),
    receipt: [...out.receipts.values()],
    filed: filed.map((f) => ({ ref: f.ref, pressedAt: epoch(f.submitAt), receiptAt: epoch(out.receiptAt.get(f.ref)!) })),
    notice: [...notice.values()],
    question: out.question,
    refused: api.refused.length,
    taken: api.taken.map(epoch),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

let api: BotApiStandIn | null = null;
const reply = (m: FromSide) => process.send!(m);
process.on('message', (m: ToSide) => {
  const step = async () => {
    if (m.kind === 'start') {
      api = new BotApiStandIn(m.limits);
      await api.start();
      reply({ kind: 'ready', url: api.url, token: api.token });
    } else if (m.kind === 'run') reply({ kind: 'done', result: await run(api!, m) });
    else {
      await api?.close();
      process.disconnect();
    }
  };
  step().catch((err: unknown) => reply({ kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
