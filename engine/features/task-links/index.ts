/** Signed links to a task, as emailed: issued, verified and refused with their reason. */
export * from './task-links.js';
