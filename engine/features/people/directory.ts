import type { PersonLookup } from '../../kernel/forms.js';
import type { AccountStore } from '../../ports/account-store.js';

/**
 * The directory as person fields read it (engine/kernel/forms.ts): a person by user id, or by email
 * address when the text has an "@" and no user has it as id. Read at every check, never cached: a person
 * deactivated a minute ago is refused now.
 */
export function personDirectory(store: Pick<AccountStore, 'getUser' | 'getUserByEmail'>): PersonLookup {
  return {
    async person(idOrEmail) {
      const user = (await store.getUser(idOrEmail)) ?? (idOrEmail.includes('@') ? await store.getUserByEmail(idOrEmail) : undefined);
      return user && { id: user.id, name: user.name, active: user.active, roles: user.roles, ...(user.sites && { sites: user.sites }) };
    },
  };
}
