export { cancelInstance, getInstance, type InstanceView } from './instances.js';
export type { PendingJob } from './waiting.js';
export { recordReader } from './record-reader.js';
