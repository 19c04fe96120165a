import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import { NotFoundError, NotPermittedError } from '../engine/kernel/errors.js';
import type { ProcessEngine } from '../engine/process-engine.js';
import type { PackAccess, PackAttachment, PackContext, PackRequest } from '../engine/packs.js';
import { allowedBy } from '../engine/packs.js';
import type { Role } from '../engine/kernel/model.js';
import { canSee, OVERSEERS, principalOf, visibleSites } from './auth.js';
import { AttachmentStore, uploadsOf } from './pages/attachments.js';
import { readerOf } from './pages/reader.js';
import { mayViewRecord } from './pages/session.js';

/**
 * What a pack's routes (api/pack-routes.ts) and pages (api/pages/pack/) are handed: the request in plain
 * terms and a read-only context scoped to the person asking. Built here once for both, from the engine's
 * queries; nothing in it writes, and nothing reaches a store.
 */

export interface PackSurroundings {
  imsflow: ProcessEngine;
  /** The data folder (IMSFLOW_DATA): uploads are kept in its attachments/ folder. */
  dataDir?: string;
  /** Where the installation is reached, read when asked (the server learns its port after listening). */
  baseUrl: () => string;
}

/** A query or route parameter as one string: the last value when sent twice. */
function one(value: unknown): string | undefined {
  if (Array.isArray(value)) return one(value[value.length - 1]);
  return typeof value === 'string' ? value : undefined;
}

function strings(source: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries((source ?? {}) as Record<string, unknown>)) {
    const text = one(value);
    if (text !== undefined) result[name] = text;
  }
  return result;
}

/** 403 unless the signed-in person (401 when nobody is) has the access a pack's route or page asks for. */
export function requirePackAccess(req: Request, access: PackAccess): void {
  const { user } = principalOf(req);
  if (!allowedBy(access, user, OVERSEERS)) {
    const roles: readonly string[] = access === 'overseers' ? OVERSEERS : access === 'signed-in' ? [] : access;
    throw new NotPermittedError(`this needs one of the roles ${roles.join(', ')}`);
  }
}

/** The roles a pack access names, as the API document lists them (undefined: any signed-in person). */
export function accessRoles(access: PackAccess): readonly Role[] | 'signed-in' {
  if (access === 'signed-in') return 'signed-in';
  return (access === 'overseers' ? OVERSEERS : access) as readonly Role[];
}

export function packRequestOf(req: Request, res: Response): PackRequest {
  const { user } = principalOf(req);
  const reader = readerOf(res);
  const sites = visibleSites(user);
  return {
    params: strings(req.params),
    query: strings(req.query),
    body: req.body,
    user: { id: user.id, name: user.name, roles: [...user.roles], ...(sites && { sites: [...sites] }), locale: reader.locale, timeZone: reader.timeZone },
  };
}

/** The context a pack's route or page gets; `pack` is its key (its audit events are named after it). */
export function packContextOf(req: Request, res: Response, { imsflow, dataDir, baseUrl }: PackSurroundings, pack: string): PackContext {
  const { user } = principalOf(req);
  const attachments = dataDir ? new AttachmentStore(join(dataDir, 'attachments')) : undefined;
  const visible = async (id: string) => {
    const record = await imsflow.queries.findInstance(id);
    return record && canSee(user, record) ? record : undefined;
  };
  return {
    records: {
      ...imsflow.queries.recordsFor(user),
      record: async (id) => ((await visible(id)) ? imsflow.getInstance(id) : undefined),
      mayOpen: async (record) => {
        const stored = await visible(record.id);
        return stored ? mayViewRecord(imsflow, user, stored) : false;
      },
    },
    everySite: imsflow.queries.everyRecord(),
    sites: () => imsflow.queries.sites(),
    now: () => imsflow.clock.now(),
    attachment: async (instanceId, sha256, options = {}): Promise<PackAttachment> => {
      const missing = new NotFoundError('no such attachment');
      const record = options.everySite ? await imsflow.queries.findInstance(instanceId) : await visible(instanceId);
      if (!attachments || !/^[a-f0-9]{64}$/.test(sha256) || !record) throw missing;
      const upload = (await uploadsOf(imsflow, sha256)).find((u) => u.instanceId === instanceId);
      if (!upload) throw missing;
      const bytes = await readFile(attachments.pathOf(sha256)).catch(() => undefined);
      if (!bytes) throw missing;
      return { sha256, size: bytes.length, bytes, contentType: upload.ref.contentType, name: upload.ref.name };
    },
    audit: (event) => imsflow.commands.recordPackEvent(user.id, pack, event),
    baseUrl: baseUrl(),
    reader: readerOf(res),
  };
}
