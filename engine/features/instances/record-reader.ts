import { readablePerson, type RecordReader } from '../../kernel/services.js';
import type { Store } from '../../ports/store.js';

/**
 * What services, and a pack's routes and pages, may read of the records: instances without their engine
 * state, tasks, and people without account or contact details. With `sites` (a viewer's), only records and
 * people of those sites; undefined sees every site.
 */
export function recordReader(store: Pick<Store, 'listInstances' | 'listTasks' | 'getUser' | 'listUsers' | 'listSites' | 'listDefinitions'>, sites?: readonly string[]): RecordReader {
  const within = (asked: string[] | undefined) => (sites === undefined ? asked : asked ? asked.filter((s) => sites.includes(s)) : [...sites]);
  const seen = (their: readonly string[] | undefined) => sites === undefined || (their ?? []).some((s) => sites.includes(s));
  return {
    instances: async (query) => (await store.listInstances({ ...query, sites: within(query.sites) })).map(({ engineState: _state, ...rest }) => rest),
    tasks: (query) => store.listTasks({ ...query, sites: within(query.sites) }),
    user: async (id) => {
      const user = await store.getUser(id);
      return user ? readablePerson(user) : undefined;
    },
    people: async ({ role, site, active = true }) => {
      const users = await store.listUsers({ ...(role !== undefined && { role }), active });
      return users
        .filter((user) => seen(user.sites) && (site === undefined || (user.sites ?? []).includes(site)))
        .map(readablePerson)
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    // every active registered site, and the sites of active people (both count as known sites)
    sites: async () => {
      const registered = (await store.listSites()).filter((site) => site.active).map((site) => site.key);
      const ofPeople = (await store.listUsers({ active: true })).flatMap((user) => user.sites ?? []);
      return [...new Set([...registered, ...ofPeople])].sort();
    },
    registeredSites: async () =>
      (await store.listSites()).map((site) => ({ key: site.key, name: site.name, active: site.active })).sort((a, b) => a.key.localeCompare(b.key)),
    processes: async () => {
      const latest = new Map<string, { version: number; name: string }>();
      for (const definition of await store.listDefinitions()) {
        const known = latest.get(definition.key);
        if (!known || definition.version > known.version) latest.set(definition.key, { version: definition.version, name: definition.name });
      }
      return [...latest].map(([key, { name }]) => ({ key, name: name || key })).sort((a, b) => a.key.localeCompare(b.key));
    },
  };
}
