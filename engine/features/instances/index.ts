export { cancelInstance, getInstance, type InstanceView } from './instances.js';
