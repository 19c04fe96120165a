/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { createContext, type ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';

/**
 * Sites as people know them: the site register's name ("Dublin filling plant") wherever a record, task,
 * person or schedule carries a site's key. The names are read once per page (uiPages) and handed down here;
 * a key the register does not know is shown as it is.
 */
export type SiteNames = ReadonlyMap<string, string>;

const SiteNamesContext = createContext<SiteNames>(new Map());

export function SiteNamesProvider({ names, children }: { names: SiteNames | undefined; children?: ComponentChildren }) {
  return <SiteNamesContext.Provider value={names ?? new Map()}>{children}</SiteNamesContext.Provider>;
}

/** The name of a site's key, for text built in code: `const siteName = useSiteName(); siteName('dublin')`. */
export function useSiteName(): (key: string) => string {
  const names = useContext(SiteNamesContext);
  return (key) => names.get(key) ?? key;
}

/** A site's name; `otherwise`: what to show for a key the register does not know (else the key). */
export function SiteName({ site, otherwise }: { site: string; otherwise?: string }) {
  const names = useContext(SiteNamesContext);
  return <>{names.get(site) ?? otherwise ?? site}</>;
}
