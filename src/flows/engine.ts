// Runs one turn of a conversation: an update in, the person's new place and what to say out.
// Knows nothing of the platform (the update is already normalised) nor of storage (the chat
// service loads and saves the state around it, in the same transaction as any change).
import { randomBytes } from 'node:crypto';
import { commandParams, type ChatButton, type ChatOutput, type ReplyKeyboard } from '../ports/channel.js';
import type { ChatContent, ChatUpdate } from '../ports/chat-update.js';
import type { Locale } from '../domain/types.js';
import { translator } from '../i18n/index.js';
import type { ServiceContext } from '../ports/context.js';
import type { ConversationEngine, TurnInput, TurnResult } from '../services/conversation.js';
import { senderOf } from '../services/directory-service.js';
import { isLocale, localeFromLanguageCode } from '../domain/language.js';
import { columnsFor, menuItemFor, menuKeyboard, normaliseLabel, renderSay, rows, type Translate } from './render.js';
import type {
  CallbackHandler,
  FormHandler,
  Choice,
  Entry,
  Flow,
  FlowContext,
  FlowData,
  FlowInput,
  FlowModule,
  FlowState,
  MenuItem,
  Next,
  Say,
  Sender,
  Step,
} from './types.js';

/** Button data of flow steps: `f:<token>:<value>`. */
export const FLOW_BUTTON_PREFIX = 'f';
const PAGE = '~p';
const SKIP = '~s';
/** Choices beyond this many are paged. */
export const PAGE_SIZE = 24;
export const DEFAULT_TIMEOUT_MINUTES = 60;
export const DEFAULT_MAX_CHARS = 1000;
/** Longest message taken outside a flow (what a report step takes; Telegram's own limit is 4096). */
export const MAX_MESSAGE_CHARS = 4000;
/** Data keys the engine keeps for itself in a flow's data. */
const PAGE_KEY = '__page';

export class FlowDefinitionError extends Error {
  override readonly name = 'FlowDefinitionError';
}

export type { TurnInput, TurnResult };

export class FlowEngine implements ConversationEngine {
  readonly flows = new Map<string, Flow>();
  readonly commands = new Map<string, Entry>();
  readonly menu = new Map<MenuItem, Entry>();
  readonly callbacks = new Map<string, CallbackHandler>();
  readonly forms = new Map<string, FormHandler>();
  idle: Entry | null = null;
  stranger: Entry | null = null;
  edited: Entry | null = null;

  /** Later modules override earlier ones; every flow's steps are checked here, once. */
  constructor(modules: readonly FlowModule[]) {
    for (const m of modules) {
      for (const f of m.flows ?? []) this.flows.set(f.name, f as Flow);
      for (const [name, entry] of Object.entries(m.commands ?? {})) this.commands.set(name.toLowerCase(), entry);
      for (const [item, entry] of Object.entries(m.menu ?? {})) if (entry) this.menu.set(item as MenuItem, entry);
      for (const [prefix, handler] of Object.entries(m.callbacks ?? {})) {
        if (prefix === FLOW_BUTTON_PREFIX || prefix.includes(':')) throw new FlowDefinitionError(`callback prefix "${prefix}" is reserved or contains ':'`);
        this.callbacks.set(prefix, handler);
      }
      for (const [name, handler] of Object.entries(m.forms ?? {})) this.forms.set(name, handler);
      if (m.idle) this.idle = m.idle;
      if (m.stranger) this.stranger = m.stranger;
      if (m.edited) this.edited = m.edited;
    }
    for (const f of this.flows.values()) {
      if (!f.steps[f.first]) throw new FlowDefinitionError(`flow ${f.name} starts at ${f.first}, which it does not define`);
    }
  }

  async turn(input: TurnInput): Promise<TurnResult> {
    const turn = new Turn(this, input);
    await turn.run();
    return turn.result();
  }
}

/** The outcome of reading an update against a step. */
type Parsed = { ok: true; input: FlowInput } | { ok: false; hint: Say };

class Turn {
  private readonly outputs: ChatOutput[] = [];
  /** Where this turn's edit of the pressed message is (markChosen), to give its buttons back when the step stays. */
  private chosenEdit: number | null = null;
  private state: FlowState | null;
  /** The state of this chat's flow, when there is one and it has not lapsed. */
  private active: FlowState | null;
  private locale: Locale;
  private t: Translate;
  private sender: Sender | null;
  private readonly now: Date;
  private readonly update: ChatUpdate;
  private removeKeyboard = false;
  private expired = false;
  /** A language chosen during this turn, kept with the flow state. */
  private chosenLocale: Locale | null = null;

  constructor(
    private readonly engine: FlowEngine,
    private readonly input: TurnInput,
  ) {
    this.update = input.update;
    this.now = input.svc.now();
    this.sender = input.sender;
    this.state = input.state;
    if (this.state?.expiresAt && this.state.expiresAt.getTime() <= this.now.getTime()) {
      this.expired = this.state.chatId === this.update.chatId;
      this.state = null;
    }
    this.active = this.state && this.state.chatId === this.update.chatId ? this.state : null;
    const personal = this.sender?.person.locale;
    this.locale = isLocale(personal) ? personal : (input.state?.locale ?? localeFromLanguageCode(this.update.languageCode, input.defaultLocale));
    this.t = this.translatorFor(this.locale);
  }

  /** Every text names commands as the update's platform writes them (`{{cmd}}help`). */
  private translatorFor(locale: Locale): Translate {
    const tr = translator(locale);
    const cmd = commandParams(this.input.commandPrefix);
    return (key, params) => tr(key, { ...cmd, ...params });
  }

  result(): TurnResult {
    if (this.removeKeyboard) {
      const plain = this.outputs.find((o) => o.kind === 'message' && !o.buttons && !o.keyboard);
      if (plain && plain.kind === 'message') plain.keyboard = 'remove';
    }
    if (this.state && this.chosenLocale) this.state.locale = this.chosenLocale;
    // The last message of a private answer says whose language it is in (an adapter may match its menu to it).
    const last = this.update.chatType === 'private' ? this.outputs.findLast((o) => o.kind === 'message') : undefined;
    if (last?.kind === 'message') last.reader = { locale: this.locale, ...(this.chosenLocale ? { chosen: true } : {}) };
    // A request the channel can answer where it was made (a slash command in a channel): every message answers it.
    const answerRef = this.update.answerRef;
    if (answerRef) for (const o of this.outputs) if (o.kind === 'message' || o.kind === 'answer') o.answerTo = { ref: answerRef, locale: this.locale };
    return { outputs: this.outputs, state: this.state, locale: this.locale };
  }

  async run(): Promise<void> {
    const content = this.update.content;
    const inGroup = this.update.chatType === 'group';
    if (content.kind === 'membership' || content.kind === 'ignored') return;
    // In groups the bot answers commands and buttons only; chatter is not for it.
    if (inGroup && content.kind !== 'command' && content.kind !== 'callback') return;
    if (this.expired && content.kind !== 'command' && content.kind !== 'form') this.say({ key: 'flows:common.expired' });

    switch (content.kind) {
      case 'callback':
        return this.onCallback(content.data, content.callbackRef, content.messageText);
      case 'command':
        return this.onCommand(content.command);
      case 'form': {
        // A form stands on its own: it replaces whatever flow was open, as a command does.
        const handler = this.engine.forms.get(content.form);
        if (!handler || !this.sender) return this.say({ key: 'flows:common.stale' });
        return this.apply(await handler(content.values, this.context()));
      }
      case 'throttled':
        return this.say({ key: 'flows:common.slow_down' });
      case 'text': {
        // Only invisible characters (the adapters leave '' for them): nothing to read, said so.
        if (!content.text.trim()) return this.sayBlank();
        const item = menuItemFor(content.text);
        if (item) return this.onMenu(item);
        // Outside a flow no step sets a limit: the longest message any step takes.
        if (!this.active && [...content.text].length > MAX_MESSAGE_CHARS) return this.say({ key: 'flows:common.too_long', params: { max: MAX_MESSAGE_CHARS } });
        break;
      }
      case 'edited':
        if (!content.text.trim()) return this.sayBlank();
        break;
      default:
        break;
    }
    if (this.active) return this.onInput(content);
    switch (content.kind) {
      case 'unknown':
        this.say({ key: 'flows:common.unknown' });
        return this.offerMenu();
      case 'oversize':
        return this.say(oversizeNotice(content));
      case 'edited':
        // Nothing open to update; a module may know the message (part of a report already filed).
        if (this.sender && this.engine.edited) await this.apply(await this.engine.edited(this.context()));
        return;
      default:
        break;
    }
    const entry = this.sender ? this.engine.idle : this.engine.stranger;
    if (entry) await this.apply(await entry(this.context()));
  }

  // ── ways in ──────────────────────────────────────────────────────────────

  private async onCommand(command: string): Promise<void> {
    const entry = this.engine.commands.get(command.toLowerCase());
    if (!entry) {
      this.say({ key: 'flows:common.unknown_command', params: { command: `${commandParams(this.input.commandPrefix).cmd}${command}` } });
      return;
    }
    await this.apply(await entry(this.context()));
  }

  private async onMenu(item: MenuItem): Promise<void> {
    if (!this.sender) {
      if (this.active) return this.onInput(this.update.content);
      const entry = this.engine.stranger;
      if (entry) await this.apply(await entry(this.context()));
      return;
    }
    const entry = this.engine.menu.get(item);
    if (!entry) {
      this.say({ key: 'flows:menu.coming_soon' });
      return this.offerMenu();
    }
    await this.apply(await entry(this.context()));
  }

  private async onCallback(data: string, callbackRef: string, messageText: string | undefined): Promise<void> {
    // Answered first, so the button stops spinning whatever follows.
    const answer: ChatOutput & { kind: 'answer' } = { kind: 'answer', callbackRef };
    this.outputs.unshift(answer);
    const cut = data.indexOf(':');
    const prefix = cut < 0 ? data : data.slice(0, cut);
    if (prefix !== FLOW_BUTTON_PREFIX) {
      const handler = this.engine.callbacks.get(prefix);
      if (!handler) {
        answer.text = this.t('flows:common.stale');
        return;
      }
      const res = await handler(data, this.context());
      if (res.notice) answer.text = renderSay(res.notice, this.t);
      if (res.edit && this.update.messageRef) this.outputs.push({ kind: 'edit', messageRef: this.update.messageRef, ...res.edit });
      if (res.next) await this.apply(res.next);
      return;
    }
    const [, token, ...rest] = data.split(':');
    const value = rest.join(':');
    const step = this.active && token === this.active.token ? this.currentStep() : null;
    if (!step || !this.active) {
      answer.text = this.t('flows:common.stale');
      return;
    }
    const messageRef = this.update.messageRef;
    if (value.startsWith(PAGE)) {
      const page = Number(value.slice(PAGE.length));
      if (!Number.isInteger(page) || page < 0) return;
      this.active.data = { ...this.active.data, [PAGE_KEY]: page };
      this.touch();
      const prompt = await this.renderPrompt(step);
      if (messageRef) this.outputs.push({ kind: 'edit', messageRef, text: prompt.text, buttons: prompt.buttons ?? [] });
      else this.outputs.push(prompt);
      return;
    }
    if (value === SKIP) {
      if (!step.expect.skippable) {
        answer.text = this.t('flows:common.stale');
        return;
      }
      this.markChosen(messageRef, messageText, this.t('flows:common.skip'));
      return this.proceed(step, { kind: 'skip' });
    }
    // Button data is forgeable: only a value among this step's current options is taken.
    const choice = (await this.choicesOf(step)).find((c) => c.value === value);
    if (!choice) {
      answer.text = this.t('flows:common.stale');
      return;
    }
    this.markChosen(messageRef, messageText, renderSay(choice.label, this.t));
    await this.proceed(step, { kind: 'choice', value });
  }

  // ── inside a flow ────────────────────────────────────────────────────────

  private async onInput(content: ChatContent): Promise<void> {
    const step = this.currentStep();
    if (!step) return;
    if (content.kind === 'unknown') {
      this.say({ key: 'flows:common.unknown' });
      return this.prompt(step);
    }
    if (content.kind === 'oversize') {
      this.say(oversizeNotice(content));
      return this.prompt(step);
    }
    // An edit of an earlier message is news only to a step that keeps what was said.
    if (content.kind === 'edited' && !(step.expect.accepts ?? []).includes('edited')) return;
    const parsed = await this.parse(content, step);
    if (!parsed.ok) {
      this.say(parsed.hint);
      return this.prompt(step);
    }
    await this.proceed(step, parsed.input);
  }

  private async proceed(step: Step, input: FlowInput): Promise<void> {
    const c = this.context();
    const problem = step.validate ? await step.validate(input, c) : null;
    if (problem) {
      this.say(problem);
      return this.prompt(step);
    }
    if (step.expect.request) this.removeKeyboard = true;
    await this.apply(await step.next(input, c));
  }

  private async parse(content: ChatContent, step: Step): Promise<Parsed> {
    const accepts = step.expect.accepts ?? [];
    switch (content.kind) {
      case 'text': {
        const typed = normaliseLabel(content.text);
        if (step.expect.skippable && typed && typed === normaliseLabel(this.t('flows:common.skip'))) return { ok: true, input: { kind: 'skip' } };
        if (step.expect.choices) {
          const match = (await this.choicesOf(step)).find((c) => typed && normaliseLabel(renderSay(c.label, this.t)) === typed);
          if (match) return { ok: true, input: { kind: 'choice', value: match.value } };
        }
        if (!accepts.includes('text')) return { ok: false, hint: this.hintFor(step) };
        const text = content.text.trim();
        const max = step.expect.maxChars ?? DEFAULT_MAX_CHARS;
        if (!text) return { ok: false, hint: this.hintFor(step) };
        if ([...text].length > max) return { ok: false, hint: { key: 'flows:common.too_long', params: { max } } };
        return { ok: true, input: { kind: 'text', text } };
      }
      case 'photo':
      case 'file':
        return accepts.includes(content.kind)
          ? { ok: true, input: { kind: content.kind, attachment: content.attachment, caption: content.caption, mediaGroupId: content.mediaGroupId } }
          : { ok: false, hint: this.hintFor(step) };
      case 'voice':
        return accepts.includes('voice') ? { ok: true, input: { kind: 'voice', attachment: content.attachment } } : { ok: false, hint: this.hintFor(step) };
      case 'location':
        return accepts.includes('location') || step.expect.request === 'location'
          ? { ok: true, input: { kind: 'location', latitude: content.latitude, longitude: content.longitude } }
          : { ok: false, hint: this.hintFor(step) };
      case 'contact':
        return accepts.includes('contact') || step.expect.request === 'contact'
          ? { ok: true, input: { kind: 'contact', phone: content.phone, own: content.own } }
          : { ok: false, hint: this.hintFor(step) };
      case 'edited':
        return accepts.includes('edited') && this.update.messageRef
          ? { ok: true, input: { kind: 'edited', messageRef: this.update.messageRef, text: content.text } }
          : { ok: false, hint: this.hintFor(step) };
      default:
        return { ok: false, hint: this.hintFor(step) };
    }
  }

  private hintFor(step: Step): Say {
    if (step.expect.request === 'contact') return { key: 'flows:common.use_contact_button' };
    if (step.expect.request === 'location') return { key: 'flows:common.use_location_button' };
    if (step.expect.choices && !(step.expect.accepts ?? []).length) return { key: 'flows:common.use_buttons' };
    return { key: 'flows:common.not_expected' };
  }

  // ── moving on ────────────────────────────────────────────────────────────

  private async apply(next: Next): Promise<void> {
    for (const s of next.say ?? []) this.say(s);
    switch (next.to) {
      case 'step': {
        if (!this.active) throw new FlowDefinitionError(`goto ${next.step} outside a flow`);
        const flow = this.engine.flows.get(this.active.flow)!;
        const step = flow.steps[next.step];
        if (!step) throw new FlowDefinitionError(`flow ${flow.name} has no step ${next.step}`);
        const data = { ...this.active.data, ...next.data };
        delete data[PAGE_KEY];
        this.active = this.state = { ...this.active, step: next.step, data, token: newToken(), expiresAt: this.expiry(flow, step) };
        return this.prompt(step);
      }
      case 'stay': {
        const step = this.active ? this.currentStep() : null;
        if (!step || !this.active) return;
        this.active.data = { ...this.active.data, ...next.data };
        this.touch();
        if (!next.quiet) await this.prompt(step);
        // A quiet stay after a press (催办 on a matter's detail): the step goes on, so the pressed
        // message keeps its buttons, with what was chosen marked under its words.
        else if (this.chosenEdit !== null) {
          const edit = this.outputs[this.chosenEdit];
          const prompt = await this.renderPrompt(step);
          if (edit?.kind === 'edit') this.outputs[this.chosenEdit] = { kind: 'edit', messageRef: edit.messageRef, ...(edit.text !== undefined ? { text: edit.text } : {}), buttons: prompt.buttons ?? [] };
        }
        return;
      }
      case 'done': {
        if (next.ack && this.update.messageRef) this.outputs.push({ kind: 'ack', messageRef: this.update.messageRef, mark: next.ack });
        if (this.active) this.state = this.active = null;
        if (next.menu) this.offerMenu();
        return;
      }
      case 'flow': {
        const flow = this.engine.flows.get(next.flow);
        if (!flow) throw new FlowDefinitionError(`no flow named ${next.flow}`);
        const first = next.step ?? flow.first;
        const step = flow.steps[first];
        if (!step) throw new FlowDefinitionError(`flow ${flow.name} has no step ${first}`);
        this.active = this.state = {
          flow: flow.name,
          step: first,
          data: next.data ?? {},
          chatId: this.update.chatId,
          token: newToken(),
          locale: this.state?.locale ?? null,
          expiresAt: this.expiry(flow, step),
        };
        return this.prompt(step);
      }
    }
  }

  private async prompt(step: Step): Promise<void> {
    this.outputs.push(await this.renderPrompt(step));
  }

  private async renderPrompt(step: Step): Promise<ChatOutput & { kind: 'message' }> {
    const said = await step.prompt(this.context());
    const text = (Array.isArray(said) ? said : [said]).map((s) => renderSay(s, this.t)).join('\n');
    const token = this.active!.token;
    const data = (value: string) => `${FLOW_BUTTON_PREFIX}:${token}:${value}`;
    const { expect } = step;
    if (expect.request) {
      const keyboard: ReplyKeyboard = {
        rows: [[{ label: this.t(expect.request === 'contact' ? 'flows:common.share_contact' : 'flows:common.share_location'), request: expect.request }]],
        oneTime: true,
      };
      if (expect.skippable) keyboard.rows.push([{ label: this.t('flows:common.skip') }]);
      return { kind: 'message', text, keyboard };
    }
    const buttons: ChatButton[][] = [];
    if (expect.choices) {
      const all = await this.choicesOf(step);
      const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
      const page = Math.min(Math.max(0, Number(this.active!.data[PAGE_KEY] ?? 0) || 0), pages - 1);
      const shown = all.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).map((c) => ({ label: renderSay(c.label, this.t), data: data(c.value) }));
      buttons.push(...rows(shown, expect.columns ?? columnsFor(shown.map((b) => b.label))));
      if (pages > 1) {
        const nav: ChatButton[] = [];
        if (page > 0) nav.push({ label: this.t('flows:common.prev_page'), data: data(`${PAGE}${page - 1}`) });
        if (page < pages - 1) nav.push({ label: this.t('flows:common.next_page'), data: data(`${PAGE}${page + 1}`) });
        buttons.push(nav);
      }
    }
    if (expect.skippable) buttons.push([{ label: this.t('flows:common.skip'), data: data(SKIP) }]);
    const free = (expect.accepts ?? []).includes('text') && !expect.textOptional ? { expectsText: { locale: this.locale } } : {};
    return buttons.length ? { kind: 'message', text, buttons, ...free } : { kind: 'message', text, ...free };
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  private currentStep(): Step | null {
    const flow = this.active ? this.engine.flows.get(this.active.flow) : undefined;
    const step = flow?.steps[this.active!.step];
    if (!step) {
      // A flow or step that no longer exists (a newer version was deployed): start afresh.
      this.state = this.active = null;
      return null;
    }
    return step;
  }

  private async choicesOf(step: Step): Promise<Choice[]> {
    return step.expect.choices ? step.expect.choices(this.context()) : [];
  }

  private expiry(flow: Flow, step: Step): Date {
    const minutes = step.timeoutMinutes ?? flow.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
    return new Date(this.now.getTime() + minutes * 60_000);
  }

  private touch(): void {
    if (!this.active) return;
    const flow = this.engine.flows.get(this.active.flow);
    const step = flow?.steps[this.active.step];
    if (flow && step) this.active.expiresAt = this.expiry(flow, step);
  }

  /** Shows on the pressed message what was chosen, and takes its buttons away. */
  private markChosen(messageRef: string | undefined, messageText: string | undefined, label: string): void {
    if (!messageRef) return;
    const mark = `✅ ${label}`;
    this.chosenEdit = this.outputs.length;
    // Pressed again (a quiet stay kept the buttons): the mark is not written twice.
    const text = messageText === undefined ? undefined : messageText.endsWith(mark) ? messageText : `${messageText}\n\n${mark}`;
    this.outputs.push(text !== undefined ? { kind: 'edit', messageRef, text, clearButtons: true } : { kind: 'edit', messageRef, clearButtons: true });
  }

  /** A message with nothing visible in it; inside a flow its step is asked again. */
  private async sayBlank(): Promise<void> {
    this.say({ key: 'flows:common.blank' });
    const step = this.active ? this.currentStep() : null;
    if (step) await this.prompt(step);
  }

  private say(s: Say): void {
    this.outputs.push({ kind: 'message', text: renderSay(s, this.t) });
  }

  /** The main menu for a registered resident, on the last message or a short one of its own. */
  private offerMenu(): void {
    if (!this.sender) return;
    const keyboard = menuKeyboard(this.t);
    const last = this.outputs[this.outputs.length - 1];
    if (last?.kind === 'message' && !last.buttons) last.keyboard = keyboard;
    else this.outputs.push({ kind: 'message', text: this.t('flows:menu.hint'), keyboard });
    this.removeKeyboard = false;
  }

  private context(): FlowContext {
    const self = this;
    return {
      svc: this.input.svc,
      db: this.input.svc.db,
      now: this.now,
      update: this.update,
      strangers: this.input.strangers ?? 'register',
      get sender() {
        return self.sender;
      },
      get locale() {
        return self.locale;
      },
      get data() {
        return (self.active?.data ?? {}) as FlowData;
      },
      setLocale(locale: Locale) {
        self.locale = locale;
        self.chosenLocale = locale;
        self.t = self.translatorFor(locale);
      },
      async refreshSender() {
        const found = await senderOf(self.input.svc.db, self.update.platform, self.update.userId);
        self.sender = found ?? null;
        return self.sender;
      },
      t: (key, params) => self.t(key, params),
    };
  }
}

function oversizeNotice(content: Extract<ChatContent, { kind: 'oversize' }>): Say {
  return { key: 'flows:common.file_too_large', params: { limit: Math.floor(content.limitBytes / (1024 * 1024)) } };
}

function newToken(): string {
  return randomBytes(4).toString('base64url').slice(0, 5);
}
