export { fireTimer } from './timers.js';
