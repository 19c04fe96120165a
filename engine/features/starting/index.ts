/** Starting a record by hand: who may start what (ims:starters, their sites) and the start form it passes. */
export { startByPerson, startableProcesses, checkStartData, type StartInput, type Started, type StartableProcess } from './starting.js';
export { refuseByStartCheck } from './start-checks.js';
