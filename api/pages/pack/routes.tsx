/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type NextFunction, type Request, type Response } from 'express';
import { allowedBy, type PackAccess, type PackExample, type ProcessPack } from '../../../engine/packs.js';
import { OVERSEERS } from '../../auth.js';
import { packContextOf, packRequestOf, requirePackAccess, type PackSurroundings } from '../../pack-context.js';
import type { Viewer } from '../basics.js';
import { directoryNames } from '../record/routes.js';
import { sendDocument } from '../render.js';
import { requireSignIn, viewerOf } from '../session.js';
import { PackPage } from './PackPage.js';

/**
 * The pages the packs bring (ProcessPack.pages): each GET path among the signed-in pages, its access
 * checked (403 page), its view model built from the request and a read-only context and drawn by
 * PackPage.tsx; a page with `nav` gets a header link for the people who may open it.
 */

/** The first path segment of each pack page (`/documents`): uiPages reads the session and answers errors as pages there. */
export function packPagePrefixes(packs: readonly ProcessPack[], taken: readonly string[]): string[] {
  const prefixes = new Set<string>();
  for (const pack of packs) {
    for (const page of pack.pages ?? []) {
      const prefix = /^\/[A-Za-z0-9._-]+/.exec(page.path)?.[0];
      if (!prefix || prefix.includes(':')) throw new Error(`pack ${pack.key}: the page path "${page.path}" must start with a segment of its own, such as /documents`);
      if (taken.includes(prefix)) throw new Error(`pack ${pack.key}: the page path "${page.path}" is under ${prefix}, which the platform uses`);
      prefixes.add(prefix);
    }
  }
  return [...prefixes];
}

/** The header links to pack pages a signed-in person may open (Viewer.packLinks), for every page. */
export function packNavLinks(packs: readonly ProcessPack[]) {
  const linked = packs.flatMap((pack) => (pack.pages ?? []).filter((page) => page.nav && !page.path.includes(':')));
  return (req: Request, res: Response, next: NextFunction): void => {
    const user = req.principal?.user;
    if (user) {
      const links: Viewer['packLinks'] = linked.filter((page) => allowedBy(page.access, user, OVERSEERS)).map((page) => ({ path: page.path, message: page.nav! }));
      res.locals.packLinks = links;
    }
    next();
  };
}

export function packPages(packs: readonly ProcessPack[], surroundings: PackSurroundings): express.Router {
  const router = express.Router();
  for (const pack of packs) {
    for (const page of pack.pages ?? []) {
      // the header link of the pack's page this one sits under (/gauges for /gauges/:key) is marked current
      const section = (pack.pages ?? []).find((other) => other.nav && !other.path.includes(':') && (page.path === other.path || page.path.startsWith(`${other.path}/`)));
      router.get(page.path, requireSignIn, async (req, res) => {
        requirePackAccess(req, page.access);
        const view = await page.build(packRequestOf(req, res), packContextOf(req, res, surroundings, pack.key));
        const names = await directoryNames(surroundings.imsflow);
        sendDocument(res, 200, <PackPage state={{ view, viewer: viewerOf(req), current: `pack:${section?.path ?? page.path}`, path: req.path, names }} />);
      });
    }
  }
  return router;
}

/** Each pack page's example as a path to open (the every-page checks visit these), with who may open it. */
export function packPageExamples(packs: readonly ProcessPack[]): { name: string; path: string; access: PackAccess }[] {
  return packs.flatMap((pack) =>
    (pack.pages ?? []).map((page) => ({ name: `${pack.key} page ${page.path}`, path: examplePath(page.path, page.example), access: page.access })),
  );
}

function examplePath(path: string, example: PackExample): string {
  const filled = path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = example.params?.[name];
    if (value === undefined) throw new Error(`the example of the page ${path} gives no value for :${name}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(example.query ?? {}).toString();
  return query ? `${filled}?${query}` : filled;
}
