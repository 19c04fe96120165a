import express, { type Request } from 'express';
import type { ProcessEngine } from '../../engine/process-engine.js';
import { hasRole } from '../auth.js';
import { EDITORS } from '../change-control.js';
import { needsUserId } from '../signing.js';
import { e, sendPage, when, type Viewer } from './html.js';
import { requireSignIn, viewerOf } from './session.js';

/**
 * The modeler's pages, under change control: server-rendered shells that the bundles of modeler/ fill from
 * the JSON API (GET /api/drafts…, /api/processes/:key/versions…). The shell holds the structure, headings,
 * labels and forms, so the page reads in order before its script has run; the script does the drawing.
 *
 *   /modeler                      processes, open drafts, new process, import a file (home.js)
 *   /modeler/drafts/:id           the editor: diagram, ims: panel, problems, autosave, submit (modeler.js)
 *   /modeler/drafts/:id/review    both versions side by side, changed fields, XML diff, signed decision, publish (review.js)
 *   /modeler/processes/:key       versions, instances per version, export BPMN/SVG/PDF, restore, training (versions.js)
 *
 * Who may do what is decided by the API (process owners edit, submit and publish; a reviewer who is not the
 * author approves); the pages show every signed-in person what they may see and say why an action is refused.
 */

/** The CSRF token for the page's API calls, the bundle's stylesheet (bpmn-js's and ours) and its script. */
function head(viewer: Viewer, bundle: 'home' | 'modeler' | 'review' | 'versions'): string {
  const style = bundle === 'home' ? '' : `<link rel="stylesheet" href="/assets/${bundle}.css">`;
  return `<meta name="csrf-token" content="${e(viewer.csrf ?? '')}">${style}<script src="/assets/${bundle}.js" defer></script>`;
}

function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}

/** The name of the latest deployed version of a process, or undefined when none is deployed. */
async function latestName(imsflow: ProcessEngine, key: string): Promise<string | undefined> {
  let latest: { name: string; version: number } | undefined;
  for (const definition of await imsflow.listDefinitions()) {
    if (definition.key === key && (!latest || latest.version < definition.version)) latest = definition;
  }
  return latest?.name;
}

const NO_SCRIPT = '<noscript><p class="notice bad">This page needs JavaScript to draw and edit diagrams.</p></noscript>';

export function modelerPages(imsflow: ProcessEngine): express.Router {
  const router = express.Router();

  router.get('/modeler', requireSignIn, async (req, res) => {
    const viewer = viewerOf(req);
    const latest = new Map<string, { key: string; name: string; version: number; deployedAt: string; deployedBy: string }>();
    for (const definition of await imsflow.listDefinitions()) {
      const seen = latest.get(definition.key);
      if (!seen || seen.version < definition.version) latest.set(definition.key, definition);
    }
    const rows = [...latest.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(
        (d) =>
          `<tr><td data-label="Process"><a href="/modeler/processes/${encodeURIComponent(d.key)}">${e(d.name)}</a> <span class="hint">(${e(d.key)})</span></td><td data-label="Latest version">${d.version}</td><td data-label="Deployed">${when(d.deployedAt)} by ${e(d.deployedBy)}</td></tr>`,
      )
      .join('');
    const editor = hasRole(viewer.user, EDITORS);
    const create = editor
      ? `<h2 id="new-title">New process</h2>
<form id="ims-new-form" class="decide" aria-labelledby="new-title">
<div class="field"><label for="ims-new-key">Process key</label><p class="hint" id="ims-new-key-hint">Letters, digits, "_" and "-"; it names the process in records and URLs and cannot change later.</p>
<input type="text" id="ims-new-key" name="key" required pattern="[A-Za-z_][A-Za-z0-9_\\-]*" aria-describedby="ims-new-key-hint" autocomplete="off"></div>
<button type="submit">Create a draft</button><p id="ims-new-state" class="ims-state" role="status" aria-live="polite"></p></form>
<h2 id="import-title">Import a BPMN file</h2>
<form id="ims-import-form" class="decide" aria-labelledby="import-title">
<div class="field"><label for="ims-import-file">BPMN 2.0 file from any tool</label><p class="hint" id="ims-import-hint">It becomes a draft of the process it holds; what imsflow cannot run is listed as problems in the editor.</p>
<input type="file" id="ims-import-file" name="file" accept=".bpmn,.xml,application/xml,text/xml" required aria-describedby="ims-import-hint"></div>
<button type="submit">Import as a draft</button><p id="ims-import-state" class="ims-state" role="status" aria-live="polite"></p></form>`
      : '<p class="hint">Process owners create and change processes; you can see every version.</p>';
    sendPage(res, 200, {
      current: 'processes',
      title: 'Processes',
      viewer,
      head: head(viewer, 'home'),
      body: `${NO_SCRIPT}
<h2>Deployed processes</h2>
${rows ? `<div class="table-wrap"><table class="stack"><thead><tr><th scope="col">Process</th><th scope="col">Latest version</th><th scope="col">Deployed</th></tr></thead><tbody>${rows}</tbody></table></div>` : '<p>No process is deployed yet.</p>'}
<h2>Open drafts</h2>
<div id="ims-drafts" data-state="loading" aria-busy="true"><p>Loading the drafts…</p></div>
${create}`,
    });
  });

  router.get('/modeler/drafts/:id', requireSignIn, (req, res) => {
    const viewer = viewerOf(req);
    const id = param(req, 'id');
    sendPage(res, 200, {
      current: 'processes',
      title: 'Edit a process draft',
      viewer,
      head: head(viewer, 'modeler'),
      body: `${NO_SCRIPT}<div id="ims-editor" data-draft-id="${e(id)}" data-state="loading">
<p>Status: <strong id="ims-draft-status">…</strong> · <a href="/modeler">All processes</a> · <a href="/modeler/drafts/${encodeURIComponent(id)}/review">Review page</a></p>
<div class="ims-toolbar" role="toolbar" aria-label="Diagram tools">
<span id="ims-toolbar-edit" class="ims-toolbar">
<button type="button" id="ims-undo" class="secondary" aria-keyshortcuts="Control+Z" title="Undo (Ctrl+Z)">Undo</button>
<button type="button" id="ims-redo" class="secondary" aria-keyshortcuts="Control+Y" title="Redo (Ctrl+Y)">Redo</button>
<button type="button" id="ims-search" class="secondary" aria-keyshortcuts="Control+F" title="Search elements (Ctrl+F)">Search</button>
<button type="button" id="ims-save" class="secondary" aria-keyshortcuts="Control+S" title="Save now (Ctrl+S); changes are also saved automatically">Save now</button>
</span>
<button type="button" id="ims-fit" class="secondary">Fit to screen</button>
<button type="button" id="ims-download" class="secondary">Download BPMN</button>
<span id="ims-save-state" role="status" aria-live="polite"></span>
</div>
<div id="ims-conflict" class="notice bad" hidden><p>Someone else saved this draft while you were editing. Nothing of theirs was overwritten and your changes are not saved.</p>
<p><button type="button" id="ims-conflict-download" class="secondary">Download my version</button> <a href="/modeler/drafts/${encodeURIComponent(id)}">Reload to see theirs</a></p></div>
<div class="ims-workspace">
<div id="ims-canvas" class="ims-canvas"></div>
<aside id="ims-panel" class="ims-panel" aria-label="Properties of the selected element"></aside>
</div>
<section aria-labelledby="ims-problems-title">
<h2 id="ims-problems-title">Problems</h2>
<p class="hint">The rules deployment enforces, checked while you draw. Select a problem to go to its element.</p>
<p id="ims-problems-summary" role="status" tabindex="-1"></p>
<ul id="ims-problems" class="ims-problems"></ul>
</section>
<section id="ims-submit" aria-labelledby="ims-submit-title">
<h2 id="ims-submit-title">Submit for review</h2>
<form id="ims-submit-form" class="decide" novalidate>
<div class="field"><label for="ims-reason">Reason for the change</label><textarea id="ims-reason" name="reason" rows="2" required></textarea></div>
<div class="field"><label for="ims-impact">Impact</label><p class="hint" id="ims-impact-hint">Who and what the change affects: roles, running records, training, documents.</p><textarea id="ims-impact" name="impact" rows="2" required aria-describedby="ims-impact-hint"></textarea></div>
<button type="submit" id="ims-submit-button">Submit for review</button>
<p id="ims-submit-state" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
    });
  });

  router.get('/modeler/drafts/:id/review', requireSignIn, (req, res) => {
    const viewer = viewerOf(req);
    const id = param(req, 'id');
    // 21 CFR 11.200: the first signing of a session asks for the user id as well as the password.
    const askEmail = needsUserId(req.principal!);
    sendPage(res, 200, {
      current: 'processes',
      title: 'Review a process change',
      viewer,
      head: head(viewer, 'review'),
      body: `${NO_SCRIPT}<div id="ims-review" data-draft-id="${e(id)}" data-user="${e(viewer.user.id)}" data-state="loading">
<p id="ims-review-state" role="status" aria-live="polite">Loading the change…</p>
<dl class="facts" id="ims-review-facts"></dl>
<h2>Diagrams</h2>
<ul class="ims-legend" aria-label="Colours"><li class="added">added</li><li class="removed">removed (shown on the current version)</li><li class="changed">changed</li><li class="moved">moved only</li></ul>
<div class="ims-side-by-side">
<figure><figcaption id="ims-base-caption">Current version</figcaption><div id="ims-base" class="ims-diagram"></div></figure>
<figure><figcaption id="ims-proposed-caption">Proposed version</figcaption><div id="ims-proposed" class="ims-diagram"></div></figure>
</div>
<h2>Changed elements</h2><div id="ims-elements"></div>
<h2>Changed fields</h2><p class="hint">Every changed attribute, including the ims: attributes and form fields the engine reads.</p><div id="ims-fields"></div>
<details id="ims-xml"><summary>Raw XML diff</summary><p class="hint">Both versions are written out the same way before they are compared, so namespace prefixes, attribute order, spacing and escapes such as <code>&amp;amp;</code> do not show as changes.</p><pre id="ims-xml-diff" class="ims-xml-diff" tabindex="0" role="region" aria-label="Raw XML diff, scrollable"></pre></details>
<section id="ims-decide" aria-labelledby="ims-decide-title" hidden>
<h2 id="ims-decide-title">Decision</h2>
<form id="ims-review-form" class="decide" novalidate>
<fieldset><legend>Your decision</legend>
<div class="field check"><input type="radio" id="ims-decision-approve" name="decision" value="approve" checked><label for="ims-decision-approve">Approve: sign with the meaning “approved”</label></div>
<div class="field check"><input type="radio" id="ims-decision-reject" name="decision" value="reject"><label for="ims-decision-reject">Reject: sign with the meaning “reviewed”; it goes back to its author</label></div>
</fieldset>
<div class="field"><label for="ims-review-reason">Reason</label><textarea id="ims-review-reason" name="reason" rows="2" required></textarea></div>
<fieldset id="ims-signature"><legend>Electronic signature</legend>
<p class="hint" id="ims-signature-meaning">Signing re-authenticates you. Your name, the date and time (UTC), the meaning and your reason are bound to this version of the process (21 CFR Part 11). Your electronic signature is the legally binding equivalent of your handwritten signature.</p>
${askEmail ? '<div class="field"><label for="ims-review-email">Your email (user id)</label><p class="hint" id="ims-review-email-hint">The first signature of a session needs both.</p><input type="email" id="ims-review-email" name="email" autocomplete="username" required aria-describedby="ims-review-email-hint"></div>' : ''}
<div class="field"><label for="ims-review-password">Your password</label><input type="password" id="ims-review-password" name="password" autocomplete="current-password" required aria-describedby="ims-signature-meaning"></div>
</fieldset>
<button type="submit" id="ims-review-submit">Record the decision</button>
<p id="ims-review-result" role="status" aria-live="polite"></p>
</form>
</section>
<section id="ims-publish" aria-labelledby="ims-publish-title" hidden>
<h2 id="ims-publish-title">Publish</h2>
<form id="ims-publish-form" class="decide" novalidate>
<div class="field"><label for="ims-effective">Effective date</label><p class="hint" id="ims-effective-hint">New records start on this version from this day (UTC); records already running stay on theirs. Empty: at once.</p><input type="date" id="ims-effective" name="effectiveAt" aria-describedby="ims-effective-hint"></div>
<button type="submit" id="ims-publish-submit">Publish as the next version</button>
<p id="ims-publish-result" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
    });
  });

  router.get('/modeler/processes/:key', requireSignIn, async (req, res) => {
    const viewer = viewerOf(req);
    const key = param(req, 'key');
    sendPage(res, 200, {
      current: 'processes',
      // The process's name, as its latest version gives it; the key only when no version is deployed yet.
      title: (await latestName(imsflow, key)) || key,
      viewer,
      head: head(viewer, 'versions'),
      body: `${NO_SCRIPT}<div id="ims-versions" data-key="${e(key)}" data-state="loading">
<p><a href="/modeler">All processes</a></p>
<p id="ims-versions-state" role="status" aria-live="polite">Loading the versions…</p>
<h2>Versions</h2>
<div class="table-wrap"><table id="ims-version-table" class="stack"><caption class="vh">Versions, newest first</caption><thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Effective</th><th scope="col">Change and approval</th><th scope="col">Instances</th><th scope="col">Actions</th></tr></thead><tbody></tbody></table></div>
<h2 id="ims-shown-title">Diagram</h2>
<div id="ims-version-diagram" class="ims-diagram"></div>
<h2>Training on the change</h2>
<div id="ims-training"><p class="hint">Select a version's training to see who acknowledged it.</p></div>
</div>`,
    });
  });

  return router;
}
