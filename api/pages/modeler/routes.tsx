/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request } from 'express';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { hasRole } from '../../auth.js';
import { EDITORS } from '../../change-control.js';
import { needsUserId } from '../../signing.js';
import { directoryNames } from '../record/routes.js';
import { requireSignIn, viewerOf } from '../session.js';
import { DIAGRAM_STYLE_SOURCES } from '../basics.js';
import { sendDocument } from '../render.js';
import { EditorPage } from './EditorPage.js';
import { ProcessesPage, type DeployedProcess } from './ProcessesPage.js';
import { ReviewPage } from './ReviewPage.js';
import { VersionsPage } from './VersionsPage.js';

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

function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}

/** The latest deployed version of each process. */
async function latestVersions(imsflow: ProcessEngine): Promise<Map<string, DeployedProcess>> {
  const latest = new Map<string, DeployedProcess>();
  for (const d of await imsflow.listDefinitions()) {
    const seen = latest.get(d.key);
    if (!seen || seen.version < d.version) latest.set(d.key, { key: d.key, name: d.name ?? d.key, version: d.version, deployedAt: d.deployedAt, deployedBy: d.deployedBy });
  }
  return latest;
}

export function modelerPages(imsflow: ProcessEngine): express.Router {
  const router = express.Router();

  router.get('/modeler', requireSignIn, async (req, res) => {
    const viewer = viewerOf(req);
    const [latest, names] = await Promise.all([latestVersions(imsflow), directoryNames(imsflow)]);
    sendDocument(res, 200, <ProcessesPage state={{ viewer, processes: [...latest.values()], editor: hasRole(viewer.user, EDITORS), names }} />);
  });

  router.get('/modeler/drafts/:id', requireSignIn, (req, res) => {
    sendDocument(res, 200, <EditorPage viewer={viewerOf(req)} draftId={param(req, 'id')} />);
  });

  router.get('/modeler/drafts/:id/review', requireSignIn, async (req, res) => {
    const processes = [...(await latestVersions(imsflow)).values()];
    sendDocument(res, 200, <ReviewPage viewer={viewerOf(req)} draftId={param(req, 'id')} askEmail={needsUserId(req.principal!)} processes={processes} />);
  });

  router.get('/modeler/processes/:key', requireSignIn, async (req, res) => {
    const key = param(req, 'key');
    // The process's name, as its latest version gives it; the key only when no version is deployed yet.
    const name = (await latestVersions(imsflow)).get(key)?.name;
    // its PDF export parses the diagram's SVG, styled by attribute (basics.ts)
    sendDocument(res, 200, <VersionsPage viewer={viewerOf(req)} processKey={key} name={name} />, { styleSources: DIAGRAM_STYLE_SOURCES });
  });

  return router;
}
