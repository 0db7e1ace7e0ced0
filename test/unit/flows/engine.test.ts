// The flow engine on its own: no store, no queue, no platform.
import { describe, expect, it } from 'vitest';
import type { ChatOutput } from '../../../src/ports/channel.js';
import type { ChatContent, ChatUpdate } from '../../../src/ports/chat-update.js';
import { FlowEngine, MAX_MESSAGE_CHARS } from '../../../src/flows/engine.js';
import { done, goto, literal, say, startFlow, stay } from '../../../src/flows/next.js';
import type { Flow, FlowModule, FlowState } from '../../../src/flows/types.js';
import type { ServiceContext } from '../../../src/ports/context.js';
import { testLogger } from '../../support/runtime.js';

const T0 = new Date('2025-03-01T08:00:00Z');

const pets: Flow<{ animal?: string; name?: string; tag?: string }> = {
  name: 'pets',
  first: 'animal',
  timeoutMinutes: 10,
  steps: {
    animal: {
      prompt: () => say('flows:lang.choose'),
      expect: { choices: () => ['cat', 'dog'].map((v) => ({ value: v, label: literal(v.toUpperCase()) })) },
      next: (input) => (input.kind === 'choice' ? goto('name', { data: { animal: input.value } }) : stay()),
    },
    name: {
      prompt: (c) => literal(`name your ${c.data.animal}`),
      expect: { accepts: ['text'], maxChars: 5, skippable: true },
      validate: (input) => (input.kind === 'text' && input.text === 'bad' ? literal('not that one') : null),
      next: (input, c) => done({ say: [literal(`${c.data.animal} ${input.kind === 'text' ? input.text : '(none)'}`)] }),
    },
  },
};

const many: Flow = {
  name: 'many',
  first: 'pick',
  steps: {
    pick: {
      prompt: () => literal('pick one'),
      expect: { choices: () => Array.from({ length: 30 }, (_, i) => ({ value: `v${i}`, label: literal(`#${i}`) })) },
      next: (input) => done({ say: [literal(`took ${input.kind === 'choice' ? input.value : '?'}`)] }),
    },
  },
};

const module: FlowModule = {
  flows: [pets, many],
  commands: { pets: () => startFlow('pets'), many: () => startFlow('many'), help: () => stay({ say: [literal('help text')] }) },
  stranger: () => done({ say: [literal('who are you?')] }),
};

function harness(now = T0) {
  const engine = new FlowEngine([module]);
  let state: FlowState | null = null;
  let id = 0;
  const svc = { db: {} as never, now: () => now, logger: testLogger, outboxWritten: () => {} } as ServiceContext;
  async function send(content: ChatContent, extra: Partial<ChatUpdate> = {}): Promise<ChatOutput[]> {
    id++;
    const update: ChatUpdate = { eventId: `t:${id}`, platform: 'telegram', updateId: String(id), at: now.toISOString(), userId: '1', chatId: '1', chatType: 'private', messageRef: String(100 + id), ...extra, content };
    const result = await engine.turn({ svc, update, sender: null, state });
    state = result.state;
    return result.outputs;
  }
  return { send, state: () => state, setNow: (d: Date) => (now = d) };
}

const texts = (out: ChatOutput[]) => out.flatMap((o) => (o.kind === 'message' ? [o.text] : []));
const lastButtons = (out: ChatOutput[]) => [...out].reverse().find((o): o is ChatOutput & { kind: 'message' } => o.kind === 'message' && Boolean(o.buttons))!.buttons!;
const press = (data: string): ChatContent => ({ kind: 'callback', data, callbackRef: 'cb', messageText: 'the prompt' });

describe('FlowEngine', () => {
  it('runs a flow: buttons carry the step token, a press moves on and marks the choice, a text finishes', async () => {
    const h = harness();
    const out = await h.send({ kind: 'command', command: 'pets', args: '' });
    expect(texts(out)).toEqual(['请选择语言：']);
    const buttons = lastButtons(out);
    expect(buttons.flat().map((b) => b.label)).toEqual(['CAT', 'DOG']);
    const token = h.state()!.token;
    expect(buttons[0]![0]!.data).toBe(`f:${token}:cat`);

    const next = await h.send(press(buttons[0]![0]!.data));
    expect(next[0]).toEqual({ kind: 'answer', callbackRef: 'cb' });
    expect(next[1]).toMatchObject({ kind: 'edit', text: 'the prompt\n\n✅ CAT', clearButtons: true });
    expect(texts(next)).toEqual(['name your cat']);
    expect(h.state()).toMatchObject({ flow: 'pets', step: 'name', data: { animal: 'cat' } });
    expect(h.state()!.token).not.toBe(token);
    expect(h.state()!.expiresAt).toEqual(new Date(T0.getTime() + 10 * 60_000));

    expect(texts(await h.send({ kind: 'text', text: 'bad' }))).toEqual(['not that one', 'name your cat']);
    expect(texts(await h.send({ kind: 'text', text: 'toolongname' }))[0]).toContain('5');
    expect(texts(await h.send({ kind: 'text', text: 'Mimi' }))).toEqual(['cat Mimi']);
    expect(h.state()).toBeNull();
  });

  it('refuses an old step’s button and a forged value, and takes a typed label', async () => {
    const h = harness();
    const first = lastButtons(await h.send({ kind: 'command', command: 'pets', args: '' }));
    const forged = await h.send(press(`f:${h.state()!.token}:horse`));
    expect(forged).toEqual([{ kind: 'answer', callbackRef: 'cb', text: '这个按钮已经过期了，请看最新的消息。' }]);
    expect(texts(await h.send({ kind: 'text', text: 'dog' }))).toEqual(['name your dog']);
    const stale = await h.send(press(first[0]![0]!.data));
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ kind: 'answer', text: '这个按钮已经过期了，请看最新的消息。' });
    expect(h.state()!.step).toBe('name');
  });

  it('skips, asks again for what it did not expect, and answers the unknown kindly', async () => {
    const h = harness();
    await h.send({ kind: 'command', command: 'pets', args: '' });
    expect(texts(await h.send({ kind: 'location', latitude: 1, longitude: 2 }))).toEqual(['请点选下面的按钮。', '请选择语言：']);
    expect(texts(await h.send({ kind: 'unknown', what: 'sticker' }))[0]).toContain('这个我还看不懂');
    await h.send({ kind: 'text', text: 'CAT' });
    const skip = lastButtons(await h.send({ kind: 'command', command: 'help', args: '' }));
    expect(skip.flat().map((b) => b.label)).toEqual(['跳过']);
    expect(texts(await h.send(press(skip[0]![0]!.data)))).toEqual(['cat (none)']);
  });

  it('says a text with nothing visible has nothing to read, and asks the step again', async () => {
    const h = harness();
    await h.send({ kind: 'command', command: 'pets', args: '' });
    await h.send({ kind: 'text', text: 'CAT' });
    // The adapters leave '' for text made only of invisible characters.
    expect(texts(await h.send({ kind: 'text', text: '' }))).toEqual([expect.stringContaining('没有能看到的文字'), 'name your cat']);
    expect(h.state()).toMatchObject({ flow: 'pets', step: 'name' });
    // Outside any flow too; and a text longer than any step takes is refused with the limit.
    const idle = harness();
    expect(texts(await idle.send({ kind: 'text', text: ' ' }))).toEqual([expect.stringContaining('没有能看到的文字')]);
    expect(texts(await idle.send({ kind: 'text', text: '村'.repeat(MAX_MESSAGE_CHARS + 1) }))).toEqual([expect.stringContaining(`${MAX_MESSAGE_CHARS}`)]);
    expect(texts(await idle.send({ kind: 'text', text: '村'.repeat(MAX_MESSAGE_CHARS) }))).toEqual(['who are you?']);
  });

  it('pages a long choice', async () => {
    const h = harness();
    const out = await h.send({ kind: 'command', command: 'many', args: '' });
    const rows = lastButtons(out);
    const labels = rows.flat().map((b) => b.label);
    expect(labels).toHaveLength(25);
    expect(labels[24]).toBe('下一页 ›');
    const paged = await h.send(press(rows.flat()[24]!.data));
    const edit = paged.find((o) => o.kind === 'edit') as Extract<ChatOutput, { kind: 'edit' }>;
    expect(edit.buttons!.flat().map((b) => b.label)).toEqual(['#24', '#25', '#26', '#27', '#28', '#29', '‹ 上一页']);
    expect(texts(await h.send(press(edit.buttons![0]![0]!.data)))).toEqual(['took v24']);
  });

  it('drops a flow left too long, and says so', async () => {
    const h = harness();
    await h.send({ kind: 'command', command: 'pets', args: '' });
    h.setNow(new Date(T0.getTime() + 11 * 60_000));
    expect(texts(await h.send({ kind: 'text', text: 'CAT' }))).toEqual(['刚才那一步等得久了，已经先取消了。需要的话，我们重新来。', 'who are you?']);
    expect(h.state()).toBeNull();
  });

  it('in a group answers only commands and buttons', async () => {
    const h = harness();
    expect(await h.send({ kind: 'text', text: 'hello all' }, { chatId: '-5', chatType: 'group' })).toEqual([]);
    expect(await h.send({ kind: 'unknown', what: 'sticker' }, { chatId: '-5', chatType: 'group' })).toEqual([]);
    expect(texts(await h.send({ kind: 'command', command: 'nope', args: '' }, { chatId: '-5', chatType: 'group' }))[0]).toContain('/nope');
  });

  it('refuses a module that takes the engine’s own button prefix', () => {
    expect(() => new FlowEngine([{ callbacks: { f: async () => ({}) } }])).toThrow(/reserved/);
  });
});
