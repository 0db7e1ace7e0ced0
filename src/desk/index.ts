// The web desk: what the composition root mounts in the app's HTTP server.
export { mountDesk, type DeskHandle, type DeskOptions } from './desk-routes.js';
export type { BoardQueue } from './queue-board.js';
