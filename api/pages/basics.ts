import type { Response } from 'express';
import type { UserRecord } from '../../engine/kernel/model.js';
import { OVERSEERS } from '../auth.js';

/**
 * What every page needs apart from its markup: who is looking, which section of the navigation a page
 * belongs to and who sees which section, a form value as a string, and the pages' security headers.
 * The markup itself is components (./components/, Shell.tsx the layout), rendered by ./render.tsx.
 */

/** Who is looking: the user, and the session's CSRF token when signed in with a session. */
export interface Viewer {
  user: UserRecord;
  csrf?: string;
  /** How many things wait on them (the inbox), for the header's count; absent when not counted. */
  inboxCount?: number;
  /** They may start a record of some process: the header offers "New". */
  mayStart?: boolean;
  /** The packs' pages in the header's navigation that they may open (PackPage.nav): the page's path and its label's message id. */
  packLinks?: { path: string; message: string }[];
}

export type Section = 'inbox' | 'tasks' | 'new' | 'records' | 'audit' | 'dashboard' | 'processes' | 'admin' | 'account' | `pack:${string}`;

export const AUDIT_ROLES = ['auditor', 'quality-manager'] as const;

/** Who sees the steering dashboard: the overseers of their sites, as GET /api/dashboard allows. */
export const DASHBOARD_ROLES = OVERSEERS;
/** Who gets the Processes link (the modeler: versions, drafts, change review); the pages admit every signed-in person. */
export const PROCESS_ROLES = OVERSEERS;

/** A string from a form or query value: the last one when a name is sent twice, '' when absent. */
export function str(value: unknown): string {
  if (Array.isArray(value)) return str(value[value.length - 1]);
  return typeof value === 'string' ? value : '';
}

/** The pages' styles: only the design system's stylesheet (/ui/ims.css), no inline style attribute or element. */
export const STYLE_SOURCES = "style-src 'self'";

/**
 * The pages that draw a BPMN diagram with bpmn-js (the editor, the review, a process's versions with its PDF
 * export, a record's diagram) also admit style ATTRIBUTES: diagram-js and bpmn-js build parts of the canvas
 * from markup strings that carry `style="…"` (overlays, the context pad, direct editing), and the PDF export
 * parses the diagram's SVG, whose shapes are styled by attribute. <style> elements stay refused
 * (style-src-elem falls back to 'self'). Chart.js (the dashboard) styles through CSSOM only: no exception.
 */
export const DIAGRAM_STYLE_SOURCES = "style-src 'self'; style-src-attr 'unsafe-inline'";

/**
 * Security headers for every page: no framing, no sniffing, nothing loaded from elsewhere, no inline script
 * or style. `styleSources` widens style-src for a page whose library writes style attributes as markup.
 */
export function pageHeaders(res: Response, options: { referrer?: 'no-referrer' | 'same-origin'; styleSources?: string } = {}): void {
  res.set({
    'Content-Security-Policy': `default-src 'self'; img-src 'self' data:; ${options.styleSources ?? STYLE_SOURCES}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': options.referrer ?? 'same-origin',
    'Cache-Control': 'no-store',
  });
}
