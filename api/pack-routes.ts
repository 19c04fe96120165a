import type { Response } from 'express';
import { z } from 'zod';
import type { PackExample, PackReply, ProcessPack } from '../engine/packs.js';
import type { RouteRegistry } from './openapi.js';
import { accessRoles, packContextOf, packRequestOf, type PackSurroundings } from './pack-context.js';

/**
 * The JSON routes the packs bring (ProcessPack.routes), mounted under /api on the one route registry: the
 * same sign-in, role, token-scope and CSRF checks as every route, listed in /api/openapi.json under the
 * pack's key, errors answered by the one mapper (api/http/errors.ts). A pack route may not shadow another.
 */
export function packRoutes(routes: RouteRegistry, packs: readonly ProcessPack[], surroundings: PackSurroundings): void {
  for (const pack of packs) {
    for (const route of pack.routes ?? []) {
      const method = route.method === 'GET' ? 'get' : 'post';
      if (!route.path.startsWith('/')) throw new Error(`pack ${pack.key}: the route path "${route.path}" must start with /`);
      if (routes.routes.some((taken) => taken.method === method && taken.path === route.path)) throw new Error(`pack ${pack.key}: ${route.method} /api${route.path} is taken`);
      const query = route.query ? z.object(Object.fromEntries(Object.entries(route.query).map(([name, meaning]) => [name, z.string().optional().describe(meaning)]))) : undefined;
      const responses = { 200: 'the answer', ...route.responses };
      routes.add({ method, path: route.path, summary: route.summary, tag: pack.key, access: accessRoles(route.access), query, responses }, async (req, res) => {
        send(res, await route.handle(packRequestOf(req, res), packContextOf(req, res, surroundings, pack.key)));
      });
    }
  }
}

function send(res: Response, reply: PackReply): void {
  if ('json' in reply) {
    res.status(reply.status ?? 200).json(reply.json);
    return;
  }
  const { file } = reply;
  // sets Content-Disposition with the name safely quoted (and its UTF-8 form); inline keeps the name
  res.attachment(file.name);
  if (file.disposition === 'inline') res.set('Content-Disposition', res.get('Content-Disposition')!.replace(/^attachment/, 'inline'));
  res.set({
    'Content-Type': file.contentType,
    'Content-Length': String(file.bytes.byteLength),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'private, no-store',
  });
  res.end(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
}

/**
 * Each pack route's example, by its key in the API document (`GET /api/documents/{number}`): the
 * authorization matrix (test/http/authz.test.ts) calls every route with these.
 */
export function packRouteExamples(packs: readonly ProcessPack[]): Record<string, PackExample> {
  return Object.fromEntries(packs.flatMap((pack) => (pack.routes ?? []).map((route) => [`${route.method} /api${route.path.replace(/:(\w+)/g, '{$1}')}`, route.example])));
}
