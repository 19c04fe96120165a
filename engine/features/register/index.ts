/** The records register: its projection kept on commit, the search over it, and saved views. */
export { RegisterProjection, recordText } from './projection.js';
export { MAX_PAGE_SIZE, MAX_VIEWS, RecordRegister, REGISTER_SORTS, REGISTER_STATUSES, type CurrentStep, type RegisterFilters, type RegisterItem, type RegisterResult, type RegisterView } from './register.js';
