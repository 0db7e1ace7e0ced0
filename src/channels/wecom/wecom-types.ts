// The JSON shapes of the calls the adapter makes, as the docs give them (only the fields used).

/** A button of a `button_interaction` template card (at most 6; `key` comes back as EventKey). */
export interface CardButton {
  text: string;
  key: string;
  /** 1 blue (default), 2 grey, 3 red, 4 green. */
  style?: 1 | 2 | 3 | 4;
}

/** 模板卡片 of type button_interaction (https://developer.work.weixin.qq.com/document/path/90236). */
export interface ButtonInteractionCard {
  card_type: 'button_interaction';
  main_title: { title: string; desc?: string };
  sub_title_text?: string;
  horizontal_content_list?: Array<{ keyname: string; value: string }>;
  /** Unique per app; what a press names (TaskId). At most 128 bytes of [0-9a-zA-Z_-@]. */
  task_id: string;
  button_list: CardButton[];
}

/** An app message (发送应用消息, message/send) to one member. */
export type AppMessage =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'voice'; voice: { media_id: string } }
  | { msgtype: 'video'; video: { media_id: string; title?: string } }
  | { msgtype: 'file'; file: { media_id: string } }
  | { msgtype: 'template_card'; template_card: ButtonInteractionCard };

export interface SendResult {
  msgid?: string;
  /** For a template card: the code update_template_card consumes (once, within 72 hours). */
  response_code?: string;
  invaliduser?: string;
}

/** update_template_card: the pressed buttons replaced by one label, or the whole card redrawn. */
export type CardUpdate = { button: { replace_name: string } } | { template_card: ButtonInteractionCard };

export type MediaType = 'image' | 'voice' | 'video' | 'file';

/** A menu item of a 微信客服 msgmenu; a `click` comes back as a text message with `menu_id`. */
export type MenuItem = { type: 'click'; click: { id: string; content: string } } | { type: 'text'; text: { content: string; no_newline?: 0 | 1 } };

/** A 微信客服 message (kf/send_msg). */
export type KfMessage =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'voice'; voice: { media_id: string } }
  | { msgtype: 'video'; video: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } }
  | { msgtype: 'msgmenu'; msgmenu: { head_content?: string; list: MenuItem[]; tail_content?: string } };

/** One entry of kf/sync_msg's msg_list (https://developer.work.weixin.qq.com/document/path/94670). */
export interface KfSyncedMessage {
  msgid: string;
  open_kfid: string;
  external_userid?: string;
  send_time: number;
  /** 3 the WeChat customer, 4 a system event, 5 a servicer (接待人员) in the WeCom client. */
  origin: number;
  servicer_userid?: string;
  msgtype: string;
  text?: { content: string; menu_id?: string };
  image?: { media_id: string };
  voice?: { media_id: string };
  video?: { media_id: string };
  file?: { media_id: string };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  event?: {
    event_type: string;
    open_kfid?: string;
    external_userid?: string;
    /** enter_session: the scene value of the link or QR code (our join code rides in scene_param). */
    scene?: string;
    scene_param?: string;
    /** enter_session: lets kf/send_msg_on_event greet once, within 20 seconds. */
    welcome_code?: string;
    fail_msgid?: string;
    fail_type?: number;
  };
}

export interface KfSyncPage {
  next_cursor: string;
  has_more: boolean;
  msg_list: KfSyncedMessage[];
}
