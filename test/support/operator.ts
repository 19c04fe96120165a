import type { RunningServer } from '../../api/server.js';
import { useApiToken } from './http.js';

/** Admin only: it may call every route but holds no task and is told about none, so it changes nothing a test counts. */
export const OPERATOR_ROLES = ['admin'];

/**
 * Signs the tests' operator in: a user with every role, whose API token `http()` then sends with every
 * request to this server's API. Tests of authorization make their own users instead.
 */
export async function signInOperator(server: RunningServer, id = 'operator'): Promise<string> {
  await server.imsflow.saveUser({ id, email: `${id}@imsflow.test`, name: 'Test Operator', roles: OPERATOR_ROLES }, 'test-setup');
  const { token } = await server.accounts.createApiToken(id, 'tests', 'test-setup');
  useApiToken(server.url, token);
  return token;
}

/** A user with the given roles and sites, and an API token to act as them. */
export async function userWithToken(server: RunningServer, user: { id: string; roles: string[]; sites?: string[]; name?: string }): Promise<string> {
  await server.imsflow.saveUser({ id: user.id, email: `${user.id}@example.com`, name: user.name ?? user.id, roles: user.roles, sites: user.sites }, 'test-setup');
  return (await server.accounts.createApiToken(user.id, 'tests', 'test-setup')).token;
}
