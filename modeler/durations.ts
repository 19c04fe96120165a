/** The side panel reads durations as the problems do: one reading, in the kernel. */
export { readDuration, type DurationReading } from '../engine/kernel/duration-reading.js';
