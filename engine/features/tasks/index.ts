export { changeDueDate, claimTask, reassignTask, releaseTask } from './assignment.js';
