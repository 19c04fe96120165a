export { decideExtension, mayDecideExtension, requestExtension } from './extensions.js';
