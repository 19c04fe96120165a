import type { Role } from '../../kernel/model.js';

/**
 * Who publishes an approved change: the process owners. One rule, asked by the publish route (its access) and
 * by the review page (whether to offer "Publish" or to say who publishes), so the page never offers what the
 * API refuses.
 */
export const PUBLISHERS: readonly Role[] = ['process-owner'];

/** Whether a person holding these roles may publish an approved change. */
export function mayPublish(roles: readonly string[]): boolean {
  return roles.some((role) => (PUBLISHERS as readonly string[]).includes(role));
}

/** Who withdraws an open change (POST /api/drafts/:id/withdraw): the process owners, its author among them. */
export const WITHDRAWERS: readonly Role[] = ['process-owner'];

/** Whether a person holding these roles may withdraw an open change. */
export function mayWithdraw(roles: readonly string[]): boolean {
  return roles.some((role) => (WITHDRAWERS as readonly string[]).includes(role));
}

/** Who reviews and signs a submitted change: process owners and quality managers, never one who edited it (checkReviewer). */
export const REVIEWERS: readonly Role[] = ['process-owner', 'quality-manager'];

/** Whether a person holding these roles may be asked to sign a change they did not edit. */
export function mayReview(roles: readonly string[]): boolean {
  return roles.some((role) => (REVIEWERS as readonly string[]).includes(role));
}
