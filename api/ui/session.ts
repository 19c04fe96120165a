/**
 * The signing-in routes and what every page needs of the signed-in person moved to api/pages/session.ts
 * (issue 15). Pages not yet converted import them from here; delete this file when none does.
 */
export * from '../pages/session.js';
