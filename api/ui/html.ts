import escapeHtml from 'escape-html';
import type { Response } from 'express';
import type { UserRecord } from '../../engine/kernel/model.js';
import { hasRole, OVERSEERS } from '../auth.js';
import { countOf } from '../../engine/kernel/words.js';
import { FAVICON_PATH } from './favicon.js';

/**
 * The one layout of the server-rendered pages: a skip link, a header with the signed-in person and
 * sign-out, the navigation, and one column that works on a phone. Pages need no JavaScript. Every value
 * that reaches HTML goes through `e()`. Pages move one at a time to components (api/pages/*.tsx, issue 15),
 * whose Shell (api/pages/components/Shell.tsx) renders the same document: change both together.
 */

/** Escapes any value for HTML text and quoted attribute values. */
export function e(value: unknown): string {
  return escapeHtml(value === undefined || value === null ? '' : String(value));
}

/** `2026-05-09 07:00 UTC` in a <time> element; times are shown in UTC everywhere. */
export function when(iso: string | undefined): string {
  if (!iso) return '';
  return `<time datetime="${e(iso)}">${e(formatUtc(iso))}</time>`;
}

export function formatUtc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** Who is looking: the user, and the session's CSRF token when signed in with a session. */
export interface Viewer {
  user: UserRecord;
  csrf?: string;
}

export type Section = 'tasks' | 'audit' | 'dashboard' | 'processes';

export const AUDIT_ROLES = ['auditor', 'quality-manager'] as const;

/** Who sees the steering dashboard: the overseers of their sites, as GET /api/dashboard allows. */
export const DASHBOARD_ROLES = OVERSEERS;
/** Who gets the Processes link (the modeler: versions, drafts, change review); the pages admit every signed-in person. */
export const PROCESS_ROLES = OVERSEERS;

export interface PageOptions {
  title: string;
  body: string;
  viewer?: Viewer;
  current?: Section;
  /** Extra elements for <head> (a page's script or stylesheet). */
  head?: string;
  /** A page of figures side by side (the dashboard): a wider column on large screens. */
  wide?: boolean;
}

/** The hidden CSRF field every state-changing form carries. */
export function csrfField(viewer: Viewer | undefined): string {
  return viewer?.csrf ? `<input type="hidden" name="_csrf" value="${e(viewer.csrf)}">` : '';
}

export function layout({ title, body, viewer, current, head = '', wide = false }: PageOptions): string {
  const link = (section: Section, href: string, label: string) =>
    `<li><a href="${href}"${current === section ? ' aria-current="page"' : ''}>${label}</a></li>`;
  const header = viewer
    ? `<header class="top"><a class="brand" href="/tasks">imsflow</a>
<nav aria-label="Main"><ul>${link('tasks', '/tasks', 'Tasks')}${hasRole(viewer.user, AUDIT_ROLES) ? link('audit', '/audit', 'Audit trail') : ''}${hasRole(viewer.user, DASHBOARD_ROLES) ? link('dashboard', '/dashboard', 'Dashboard') : ''}${hasRole(viewer.user, PROCESS_ROLES) ? link('processes', '/modeler', 'Processes') : ''}</ul></nav>
<div class="who"><span>Signed in as <strong>${e(viewer.user.name)}</strong></span>${
        viewer.csrf ? `<form method="post" action="/logout">${csrfField(viewer)}<button type="submit" class="link">Sign out</button></form>` : ''
      }</div></header>`
    : `<header class="top"><span class="brand">imsflow</span></header>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)} · imsflow</title><link rel="icon" href="${FAVICON_PATH}" type="image/svg+xml"><link rel="stylesheet" href="/ui/style.css">${head}</head><body><a class="skip" href="#main">Skip to content</a>
${header}
<main id="main" tabindex="-1"${wide ? ' class="wide"' : ''}><h1>${e(title)}</h1>
${body}
</main></body></html>`;
}

/** Security headers for every page: no framing, no sniffing, nothing loaded from elsewhere. */
export function pageHeaders(res: Response, options: { referrer?: 'no-referrer' | 'same-origin' } = {}): void {
  res.set({
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': options.referrer ?? 'same-origin',
    'Cache-Control': 'no-store',
  });
}

export function sendPage(res: Response, status: number, options: PageOptions): void {
  pageHeaders(res);
  res.status(status).type('html').send(layout(options));
}

/** A short message in a box: `status` for confirmations, `alert` for problems. */
export function notice(kind: 'status' | 'alert', html: string): string {
  return `<div class="notice ${kind === 'alert' ? 'bad' : 'good'}" role="${kind}">${html}</div>`;
}

/** A wait in words: "30 seconds", "2 minutes"; never a clock time, which would need the reader's zone. */
export function waitInWords(seconds: number): string {
  if (seconds < 120) return countOf(seconds, 'second');
  return countOf(Math.ceil(seconds / 60), 'minute');
}

/** "1 task", "3 tasks": the one count helper (engine/kernel/words.ts), shared with the browser bundles. */
export { countOf as plural } from '../../engine/kernel/words.js';

export function bytes(size: number | undefined): string {
  if (size === undefined) return '';
  if (size < 1024) return `${size} bytes`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 / 1024).toFixed(1)} MiB`;
}

/** A string from a form or query value: the last one when a name is sent twice, '' when absent. */
export function str(value: unknown): string {
  if (Array.isArray(value)) return str(value[value.length - 1]);
  return typeof value === 'string' ? value : '';
}

/** The stylesheet: one column, large targets, visible focus, readable contrast. */
export const STYLE = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff}
body{margin:0}
main{max-width:52rem;margin:0 auto;padding:1rem}
main:focus{outline:none}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
h3{font-size:1.05rem;margin:1rem 0 .25rem}
a{color:#0b4fa8}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid #f5a300;outline-offset:2px;box-shadow:0 0 0 5px #1a1a1a}
.skip{position:absolute;left:-9999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:0}
.vh{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.5rem 1rem;background:#0b2e59;color:#fff}
.top a,.top .brand{color:#fff}
.top .brand{font-weight:700;font-size:1.1rem;text-decoration:none}
.top nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
.top nav a[aria-current]{font-weight:700;text-decoration-thickness:3px}
.top .who{margin-left:auto;display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
.top form{margin:0}
button,.button{font:inherit;min-height:2.75rem;padding:.4rem 1rem;border:2px solid #0b4fa8;border-radius:.3rem;background:#0b4fa8;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:#0b4fa8}
button.link{background:none;border:none;color:inherit;text-decoration:underline;min-height:auto;padding:0}
button:disabled,button.secondary:disabled,.button[aria-disabled=true]{background:#e8e8e8;color:#595959;border:2px dashed #8c8c8c;cursor:not-allowed}
button.link:disabled{background:none;border:none;color:#595959;text-decoration:none;cursor:default}
input:disabled,select:disabled,textarea:disabled{background:#f0f0f0;color:#595959;border-style:dashed;cursor:not-allowed}
input,select,textarea{font:inherit;padding:.45rem;border:2px solid #555;border-radius:.25rem;max-width:100%}
input[type=text],input[type=email],input[type=password],input[type=number],input[type=date],select,textarea{width:100%}
input[type=checkbox],input[type=radio]{width:1.4rem;height:1.4rem;vertical-align:middle;margin:0 .4rem 0 0}
[aria-invalid=true]{border-color:#b00020}
label,legend{font-weight:600}
.field{margin:0 0 1.1rem}
.field.check label{font-weight:400}
.hint{color:#444;margin:.15rem 0;font-size:.95rem}
.error{color:#b00020;font-weight:600;margin:.25rem 0;display:block}
.ims-state[data-kind=bad]{color:#b00020;font-weight:600}
fieldset{border:1px solid #888;border-radius:.3rem;margin:0 0 1.1rem;padding:.5rem .9rem}
.notice{border-left:6px solid;padding:.5rem 1rem;margin:0 0 1rem;background:#f4f6f8}
.notice.good{border-color:#1e7b34}
.notice.bad{border-color:#b00020}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85rem;font-weight:700;border:2px solid}
.badge.overdue{background:#fde7ea;color:#8a0018;border-color:#8a0018}
.badge.soon{background:#fff4d6;color:#6b4700;border-color:#6b4700}
.badge.pending{background:#fff4d6;color:#6b4700;border-color:#6b4700}
.badge.approved{background:#e6f4ea;color:#1e5b2c;border-color:#1e5b2c}
.badge.rejected{background:#fde7ea;color:#8a0018;border-color:#8a0018}
form.decide{border:1px solid #bbb;border-radius:.4rem;padding:.75rem;margin:0 0 1rem}
.tasks{list-style:none;margin:0;padding:0}
.tasks>li{border:1px solid #bbb;border-radius:.4rem;padding:.75rem;margin:0 0 .75rem}
.tasks .meta{margin:.25rem 0;color:#333}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-start;margin-top:.5rem}
.actions form{margin:0}
details{margin:.25rem 0}
details>summary{cursor:pointer;min-height:2.75rem;display:flex;align-items:center;font-weight:600;color:#0b4fa8}
dl.facts{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.25rem 1rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.pre{white-space:pre-wrap;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
td .hint{overflow-wrap:anywhere}
th{background:#eef1f4}
code{font-size:.85rem;overflow-wrap:anywhere}
.checklist fieldset.radios{border:none;margin:0;padding:0}
.checklist .radios label{font-weight:400;display:block;min-height:2rem}
.checklist label.note{font-weight:400;display:block}
@media (min-width:40rem){.checklist label.note{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0)}}
.iteration{margin:.25rem 0 .75rem}
fieldset.clauses fieldset.chapter{margin:.5rem 0;padding:.25rem .75rem}
fieldset.chapter>legend{font-weight:600;padding:0 .25rem}
fieldset.chapter>legend label{font-weight:600}
.clause-picks{list-style:none;margin:0;padding:0}
.clause-picks li{padding:.2rem 0}
.clause-picks label{font-weight:400}
.clause-picks li.depth-2{padding-left:1.75rem}
.clause-picks li.depth-3{padding-left:3.5rem}
.clause-picks li.depth-4{padding-left:5.25rem}
.hint.std{font-size:.8rem;font-weight:400;white-space:nowrap}
ul.clause-list,ol.values{margin:0;padding-left:1.4rem}
dl.facts.values{margin:0 0 .25rem}
table.links th[scope=row]{background:none;font-weight:400}
.pager{display:flex;gap:1rem;justify-content:space-between;margin:1rem 0}
.filters{display:grid;gap:.75rem;grid-template-columns:1fr}
@media (min-width:40rem){.filters{grid-template-columns:repeat(2,1fr)}}
@media (max-width:40rem){
 table.stack,table.stack tbody,table.stack tr,table.stack td,table.stack th{display:block;width:100%}
 table.stack thead{position:absolute;left:-9999px}
 table.stack caption{display:block;text-align:left}
 table.stack tr{border:1px solid #bbb;margin:0 0 .75rem}
 table.stack td,table.stack th{border:none}
 table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600}
 table.history tr>td:first-child{font-weight:700;background:#eef1f4}
 table.history tr>td:first-child::before{content:"Event "}
 dl.facts{grid-template-columns:1fr}
 dl.facts dd{margin-bottom:.5rem}
}
`;
