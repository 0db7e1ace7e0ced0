export * from './types.js';
export * from './errors.js';
export * from './reference.js';
export * from './lifecycle.js';
export * from './routing.js';
export * from './time-limits.js';
export * from './ladder.js';
