/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import { scopeOf, type Accounts } from '../../../engine/features/accounts/index.js';
import { NotFoundError } from '../../../engine/kernel/errors.js';
import { TOKEN_SCOPES, type ApiTokenRecord, type TokenScope } from '../../../engine/kernel/model.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { str, type Viewer } from '../basics.js';
import { CsrfField, describedBy, Field, TextField } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { When } from '../components/Time.js';
import { useReader } from '../reader.js';
import { sendDocument } from '../render.js';
import { requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { adminForm, AdminShell, AdminTable, Problems, refusedFields, requireAdmin, SecretOnce } from './parts.js';

/**
 * API tokens (/admin/tokens): every person's tokens without their secrets (name, person, scope, created,
 * last used, expiry, revoked), a new token for the admin themself (shown once, copyable), and revoking
 * any token (with the tokens made with it). The account commands audit both.
 */

interface TokenRow {
  token: Omit<ApiTokenRecord, 'hash'>;
  person: string;
}

interface TokensState {
  rows: TokenRow[];
  /** A token just made: shown once. */
  created?: { name: string; token: string };
  revoked?: boolean;
  errors: string[];
  values: { name: string; scope: string };
}

function TokensPage({ viewer, state }: { viewer: Viewer; state: TokensState }) {
  const { t } = useReader();
  const active = state.rows.filter((r) => !r.token.revokedAt);
  const revoked = state.rows.filter((r) => r.token.revokedAt);
  const scopeWords = (scope: TokenScope) => t(`admin.tokens.scope.${scope}`);
  const row = ({ token, person }: TokenRow) => [
    token.name,
    person,
    scopeWords(scopeOf(token)),
    <When iso={token.createdAt} />,
    token.lastUsedAt ? <When iso={token.lastUsedAt} /> : t('admin.tokens.neverUsed'),
    t('admin.tokens.noExpiry'),
    token.revokedAt ? (
      <>
        {t('admin.tokens.revoked')} <When iso={token.revokedAt} />
      </>
    ) : (
      <form method="post" action={`/admin/tokens/${token.id}/revoke`}>
        <CsrfField token={viewer.csrf} />
        <button type="submit" class="usa-button usa-button--secondary usa-button--unstyled" aria-label={t('admin.tokens.revokeNamed', { name: token.name, person })}>
          {t('admin.tokens.revoke')}
        </button>
      </form>
    ),
  ];
  const columns = ['name', 'person', 'scope', 'created', 'lastUsed', 'expiry', 'status'].map((c) => ({ label: t(`admin.tokens.column.${c}`) }));
  return (
    <AdminShell title={t('admin.tokens.title')} viewer={viewer}>
      <Problems fields={state.errors} words={(field) => ({ id: field === 'scope' ? 'token-scope' : 'token-name', message: t(`admin.tokens.error.${field === 'scope' ? 'scope' : 'name'}`) })} />
      {state.revoked ? (
        <Notice kind="status">
          <p>{t('admin.tokens.revokedNotice')}</p>
        </Notice>
      ) : null}
      {state.created ? <SecretOnce id="new-token" label={t('admin.tokens.createdLabel', { name: state.created.name })} hint={t('admin.tokens.createdHint')} value={state.created.token} /> : null}
      <p>{t('admin.tokens.intro')}</p>
      <h2>{t('admin.tokens.activeHeading', { count: active.length })}</h2>
      {active.length ? <AdminTable caption={t('admin.tokens.activeHeading', { count: active.length })} columns={columns} rows={active.map(row)} /> : <p>{t('admin.tokens.none')}</p>}
      <h2 id="new-token-heading">{t('admin.tokens.newHeading')}</h2>
      <p class="usa-hint">{t('admin.tokens.newHint')}</p>
      <form class="usa-form usa-form--large" method="post" action="/admin/tokens" aria-labelledby="new-token-heading">
        <CsrfField token={viewer.csrf} />
        <TextField id="token-name" name="name" label={t('admin.tokens.name')} hint={t('admin.tokens.nameHint')} value={state.values.name} required error={state.errors.includes('name') ? t('admin.tokens.error.name') : undefined} />
        <Field id="token-scope" label={t('admin.tokens.scope')} error={state.errors.includes('scope') ? t('admin.tokens.error.scope') : undefined}>
          <select class="usa-select" id="token-scope" name="scope" {...describedBy('token-scope', { error: state.errors.includes('scope') })}>
            {TOKEN_SCOPES.map((scope) => (
              <option key={scope} value={scope} selected={(state.values.scope || 'integration') === scope}>
                {scopeWords(scope)}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="usa-button margin-top-3">
          {t('admin.tokens.create')}
        </button>
      </form>
      {revoked.length ? (
        <>
          <h2>{t('admin.tokens.revokedHeading', { count: revoked.length })}</h2>
          <AdminTable caption={t('admin.tokens.revokedHeading', { count: revoked.length })} columns={columns} rows={revoked.map(row)} />
        </>
      ) : null}
    </AdminShell>
  );
}

async function everyToken(imsflow: ProcessEngine): Promise<TokenRow[]> {
  const people = await imsflow.queries.people();
  const rows: TokenRow[] = [];
  for (const person of people) {
    for (const { hash: _hash, ...token } of await imsflow.queries.apiTokensOf(person.id)) rows.push({ token, person: person.name });
  }
  return rows.sort((a, b) => b.token.createdAt.localeCompare(a.token.createdAt));
}

export function tokenPages(imsflow: ProcessEngine, accounts: Accounts): express.Router {
  const router = express.Router();
  const show = async (req: Request, res: Response, status: number, extra: Partial<TokensState> = {}) => {
    const state: TokensState = { rows: await everyToken(imsflow), errors: [], values: { name: '', scope: '' }, ...extra };
    sendDocument(res, status, <TokensPage viewer={viewerOf(req)} state={state} />);
  };

  router.get('/admin/tokens', requireSignIn, requireAdmin, async (req, res) => {
    await show(req, res, 200, { revoked: str(req.query.revoked) === '1' });
  });

  router.post('/admin/tokens', requireSignIn, requireAdmin, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = { name: str(body.name).trim(), scope: str(body.scope) };
    const { user } = viewerOf(req);
    try {
      const { token, record } = await accounts.createApiToken(user.id, values.name, user.id, values.scope as TokenScope);
      // the one time the token is shown: a page, not a redirect that would have to carry it
      await show(req, res, 201, { created: { name: record.name, token } });
    } catch (err) {
      await show(req, res, 400, { errors: refusedFields(err), values });
    }
  });

  router.post('/admin/tokens/:id/revoke', requireSignIn, requireAdmin, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    const id = String(req.params.id);
    const row = (await everyToken(imsflow)).find((r) => r.token.id === id);
    if (!row) throw new NotFoundError(`no token ${id}`);
    await accounts.revokeApiToken(row.token.userId, id, viewerOf(req).user.id);
    res.redirect(303, '/admin/tokens?revoked=1');
  });

  return router;
}
