export { changeDueDate, claimTask, reassignTask, releaseTask } from './assignment.js';
export { validateCompletion } from './completion.js';
