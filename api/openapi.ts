import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { ValidationError, type FieldError } from '../engine/kernel/errors.js';
import type { Role, TokenScope } from '../engine/kernel/model.js';
import { requireTokenScope } from './auth.js';

/**
 * One declaration per route: method, path, who may call it, and the zod schemas of its body and query.
 * The same schemas validate requests and generate the OpenAPI document, so the two cannot drift.
 */
export interface RouteSpec<Body = unknown, Query = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path below /api, e.g. /tasks/:id */
  path: string;
  summary: string;
  tag: string;
  /** `public`: no sign-in; `signed-in`: any account; else one of these roles (admin always passes). */
  access: 'public' | 'signed-in' | readonly Role[];
  /**
   * The API token scope the route needs (sessions need none): by default `read` for GET and `full` for
   * everything else; `integration` marks the writes a connected system makes.
   */
  scope?: TokenScope;
  /** The handler's command checks the token scope itself, so a refusal is audited (creating tokens). */
  scopeCheckedByCommand?: boolean;
  body?: z.ZodType<Body>;
  /** The body is BPMN XML rather than JSON. */
  xmlBody?: boolean;
  /** The body is raw bytes (a file, sent with its own Content-Type): what they are, for the document. */
  rawBody?: string;
  query?: z.ZodType<Query>;
  responses: Record<number, string>;
}

export type Handler<Body, Query> = (req: Request, res: Response, input: { body: Body; query: Query }) => Promise<void>;

export class RouteRegistry {
  readonly routes: RouteSpec<any, any>[] = [];

  constructor(
    private readonly router: Router,
    private readonly guard: (req: Request, access: RouteSpec['access']) => void,
  ) {}

  add<Body, Query>(spec: RouteSpec<Body, Query>, handler: Handler<Body, Query>): void {
    this.routes.push(spec);
    this.router[spec.method](spec.path, async (req, res) => {
      this.guard(req, spec.access);
      if (spec.access !== 'public' && !spec.scopeCheckedByCommand) requireTokenScope(req, routeScope(spec));
      const body = spec.body ? parseInput(spec.body, req.body, 'request body') : (undefined as Body);
      const query = spec.query ? parseInput(spec.query, req.query, 'query') : (undefined as Query);
      await handler(req, res, { body, query });
    });
  }

  /** OpenAPI 3.1 for every registered route. */
  document(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of this.routes) {
      const path = `/api${route.path.replace(/:(\w+)/g, '{$1}')}`;
      const parameters = [
        ...[...route.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
        ...queryParameters(route.query),
      ];
      const operation: Record<string, unknown> = {
        summary: route.summary,
        tags: [route.tag],
        operationId: `${route.method}${route.path.replace(/(?<![/:{}])[/:{}]+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
        ...(parameters.length && { parameters }),
        // OpenAPI 3.1: for a scheme other than OAuth, the list holds the roles it needs: here the token scope
        security: route.access === 'public' ? [] : [{ session: [] }, { bearer: [routeScope(route)] }],
        ...(route.access !== 'public' && { 'x-token-scope': routeScope(route) }),
        ...(typeof route.access === 'object' && { 'x-roles': route.access }),
        responses: Object.fromEntries(
          Object.entries({ ...route.responses, ...(route.access !== 'public' && { 401: 'not signed in', 403: 'role or CSRF token missing' }) }).map(([status, description]) => [
            status,
            { description, ...(Number(status) >= 400 && { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }) },
          ]),
        ),
      };
      if (route.rawBody) operation.requestBody = { required: true, description: route.rawBody, content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } };
      else if (route.xmlBody) operation.requestBody = { required: true, content: { 'application/xml': { schema: { type: 'string', description: 'BPMN 2.0 XML' } } } };
      else if (route.body) operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } };
      (paths[path] ??= {})[route.method] = operation;
    }
    return {
      openapi: '3.1.0',
      info,
      paths,
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'imsflow_session', description: 'from POST /api/session; state-changing requests also need X-CSRF-Token' },
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: `an API token from POST /api/tokens, of a scope that each operation names in its security requirement (x-token-scope): ${Object.entries(SCOPE_MEANINGS).map(([scope, meaning]) => `${scope}: ${meaning}`).join('; ')}`,
            'x-scopes': SCOPE_MEANINGS,
          },
        },
        schemas: {
          Error: {
            type: 'object',
            required: ['error'],
            properties: {
              error: { type: 'string' },
              fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
              problems: {
                type: 'array',
                description:
                  "definition problems: `message` in the reader's language (the signed-in person's locale, else their site's, else the installation's; without a person, Accept-Language); `code` and `args` (the element's kind in English words and its name as drawn) stay the same in every language, for clients that word problems themselves",
                items: {
                  type: 'object',
                  properties: { element: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' }, args: { type: 'object', additionalProperties: { type: ['string', 'number'] } } },
                },
              },
            },
          },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    };
  }
}

/** What each API token scope allows, for the OpenAPI document. Always within what the token's person may do. */
export const SCOPE_MEANINGS: Record<TokenScope, string> = {
  read: 'GET requests only',
  integration: 'reading, plus what a connected system writes: inbound events, starting records, completing tasks and their attachments, KPI values',
  full: 'everything the person may do, creating API tokens (of any scope) included',
};

/** The token scope a route needs. */
export function routeScope(route: Pick<RouteSpec, 'method' | 'scope'>): TokenScope {
  return route.scope ?? (route.method === 'get' ? 'read' : 'full');
}

export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : what),
    message: issue.message,
  }));
  throw new ValidationError(`invalid ${what}`, fields);
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function queryParameters(schema: z.ZodType | undefined): Record<string, unknown>[] {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
}
