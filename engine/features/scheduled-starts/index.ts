export { deleteSchedule, saveSchedule, startScheduled } from './scheduled-starts.js';
