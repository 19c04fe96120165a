export { deleteSchedule, saveSchedule, startScheduled } from './schedules.js';
