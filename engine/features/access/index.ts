/** Who may see and hold what: the one rule for sites, roles and task holders. */
export * from './access.js';
