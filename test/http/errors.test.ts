import { expect } from 'chai';
import express from 'express';
import type { AddressInfo, Server } from 'node:net';
import { AuthenticationError, LoginThrottledError } from '../../engine/features/accounts/index.js';
import { ConflictError, ImsflowError, InvalidDefinitionError, NotFoundError, NotPermittedError, TooCostlyError, TooLargeError, ValidationError } from '../../engine/kernel/errors.js';
import { UnauthenticatedError } from '../../api/auth.js';
import { apiErrorHandler, pageErrorHandler } from '../../api/http/errors.js';

/**
 * The two error mappers (JSON API, pages) on a real express app: each error the engine raises gets the
 * status and body people and integrations already rely on.
 */
const ERRORS: Record<string, () => Error> = {
  'invalid-bpmn': () => new InvalidDefinitionError([{ element: 'Check the part (check)', message: 'has no candidate role' }]),
  validation: () => new ValidationError('some fields are wrong', [{ field: 'dueAt', message: 'must be in the future' }]),
  unauthenticated: () => new UnauthenticatedError('sign in first'),
  throttled: () => new LoginThrottledError('2026-03-02T10:00:00.000Z', 90),
  'wrong-password': () => new AuthenticationError('the password is wrong'),
  'not-permitted': () => new NotPermittedError('this task is assigned to someone else'),
  'not-found': () => new NotFoundError('no task t9'),
  conflict: () => new ConflictError('the draft changed meanwhile', { revision: 4 }),
  'too-large': () => new TooLargeError('the file is larger than 25 MB'),
  'too-costly': () => new TooCostlyError('checking this file would take too long'),
  other: () => new ImsflowError('the backup is from a newer version'),
  bug: () => new Error('secret internal detail'),
};

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('error answers (one mapper per transport)', () => {
  let url: string;
  let server: Server;
  before(async () => {
    const app = express();
    app.use('/page', (_req, res, next) => {
      res.locals.uiPage = true;
      next();
    });
    app.post('/api/body', express.json({ limit: 20 }), (_req, res) => res.json({ ok: true }));
    app.get(['/api/:kind', '/page/:kind'], (req) => {
      throw ERRORS[String(req.params.kind)]();
    });
    app.use(pageErrorHandler());
    app.use(apiErrorHandler());
    ({ url, server } = await listen(app));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const api = async (kind: string) => {
    const response = await fetch(`${url}/api/${kind}`);
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
  };
  const page = async (kind: string) => {
    const response = await fetch(`${url}/page/${kind}`);
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', title: /<title>([^<]*)<\/title>/.exec(text)?.[1] ?? '', text };
  };

  it('the API answers each refusal with its status and what was wrong', async () => {
    expect(await api('invalid-bpmn')).to.deep.include({ status: 422, body: { error: 'invalid BPMN: Check the part (check): has no candidate role', problems: [{ element: 'Check the part (check)', message: 'has no candidate role' }] } });
    expect(await api('validation')).to.deep.include({ status: 400, body: { error: 'some fields are wrong', fields: [{ field: 'dueAt', message: 'must be in the future' }] } });
    expect(await api('unauthenticated')).to.deep.include({ status: 401, body: { error: 'sign in first' } });
    expect(await api('throttled')).to.deep.equal({ status: 429, retryAfter: '90', body: { error: 'too many failed sign-ins with this email from this address: try again later', retryAt: '2026-03-02T10:00:00.000Z' } });
    expect(await api('wrong-password')).to.deep.equal({ status: 401, retryAfter: null, body: { error: 'the password is wrong' } });
    expect(await api('not-permitted')).to.deep.include({ status: 403, body: { error: 'this task is assigned to someone else' } });
    expect(await api('not-found')).to.deep.include({ status: 404, body: { error: 'no task t9' } });
    expect(await api('conflict')).to.deep.include({ status: 409, body: { error: 'the draft changed meanwhile', revision: 4 } });
    expect(await api('too-large')).to.deep.include({ status: 413, body: { error: 'the file is larger than 25 MB' } });
    expect(await api('too-costly')).to.deep.include({ status: 413, body: { error: 'checking this file would take too long' } });
    expect(await api('other')).to.deep.include({ status: 400, body: { error: 'the backup is from a newer version' } });
  });

  it('the API answers a fault of its own with 500 and no internal detail', async () => {
    const reply = await api('bug');
    expect(reply.status).to.equal(500);
    expect(reply.body).to.deep.equal({ error: 'internal error: the server logged the details' });
  });

  it('the API names the body when it is not JSON or too large', async () => {
    const post = (body: string) => fetch(`${url}/api/body`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const broken = await post('{"a":');
    expect(broken.status).to.equal(400);
    expect(await broken.json()).to.deep.equal({ error: 'request body is not valid JSON', fields: [{ field: 'body', message: 'is not valid JSON' }] });
    const large = await post(JSON.stringify({ text: 'x'.repeat(100) }));
    expect(large.status).to.equal(413);
    expect(await large.json()).to.deep.equal({ error: 'the request is larger than 0.1 MB, the most accepted here; nothing was saved' });
  });

  it('the pages answer each refusal with a page saying what happened, hiding faults', async () => {
    const expected: [string, number, string, string][] = [
      ['not-found', 404, 'Not found', 'There is nothing here, or it is not yours to see.'],
      ['not-permitted', 403, 'Not allowed', 'This task is assigned to someone else.'],
      ['unauthenticated', 401, 'Not signed in', '<a href="/login">Sign in</a>'],
      ['wrong-password', 401, 'Not signed in', 'the password is wrong'],
      ['throttled', 401, 'Not signed in', 'too many failed sign-ins'],
      ['conflict', 409, 'This cannot be done now', 'the draft changed meanwhile'],
      ['validation', 400, 'Please check your input', '<li>dueAt: must be in the future</li>'],
      ['too-large', 413, 'Too large', 'Nothing was saved.'],
      ['invalid-bpmn', 400, 'This cannot be done', 'invalid BPMN: Check the part (check): has no candidate role'],
      ['other', 400, 'This cannot be done', 'the backup is from a newer version'],
      ['bug', 500, 'Something went wrong', 'it logged the details for an administrator'],
    ];
    for (const [kind, status, title, text] of expected) {
      const reply = await page(kind);
      expect(reply.status, kind).to.equal(status);
      expect(reply.type, kind).to.match(/^text\/html/);
      expect(reply.title, kind).to.match(new RegExp(`^${title}`));
      expect(reply.text, kind).to.include(text);
    }
    expect((await page('bug')).text).to.not.include('secret internal detail');
  });
});
