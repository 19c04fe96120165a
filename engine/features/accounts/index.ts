/** People signing in: accounts, sessions, API tokens, passwords and the sign-in throttle. */
export * from './accounts.js';
export * from './login-throttle.js';
export * from './passwords.js';
