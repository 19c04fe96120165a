export { profileOf, saveUser } from './people.js';
