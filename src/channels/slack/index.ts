// The Slack front door: Bolt stays inside this folder.
export { SlackFrontDoor, SlackConfigError, SLACK_PATH, SLACK_CLOCK_SKEW_SECONDS, fromTheFuture, type SlackSettings } from './slack-front-door.js';
export type { SlackFileRef } from './slack-files.js';
export { SlackChannel } from './slack-channel.js';
export { CARD_TEMPLATES } from './slack-cards.js';
export { SlackApiError, isSlackApiError } from './slack-api.js';
export { slackPlatform, type SlackAdapter } from './platform.js';
