/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { RequestHandler, Response } from 'express';
import { createContext, type ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';
import {
  MessageCatalogue,
  INSTALLATION_DEFAULTS,
  loadMessageDir,
  negotiateLocale,
  projectPath,
  readerFor,
  readerSettingsOf,
  type MessageSet,
  type Reader,
  type ReaderDefaults,
} from '../../engine/kernel/i18n/index.js';
import type { UserRecord } from '../../engine/kernel/model.js';

/**
 * Who reads a page and in what language and time zone. The messages of the pages live in
 * api/pages/messages/<language>/<area>.json (ids start with the area); packs add theirs. A signed-in person
 * reads in their own locale and zone (or their site's); a signed-out visitor in the language their
 * browser asks for (Accept-Language), on the installation's clock.
 */
export const PAGE_MESSAGES: MessageSet = loadMessageDir(projectPath('api', 'pages', 'messages'));

export interface PageReaders {
  catalogue: MessageCatalogue;
  defaults: ReaderDefaults;
}

const FALLBACK: PageReaders = { catalogue: new MessageCatalogue([PAGE_MESSAGES]), defaults: INSTALLATION_DEFAULTS };

/** Hands the pages' catalogue and defaults to every page of a router (uiPages mounts it first). */
export function pageReaders(readers: PageReaders): RequestHandler {
  return (_req, res, next) => {
    res.locals.readers = readers;
    next();
  };
}

/** Pages reached without a session (email links) read in the link's person's locale: set them here. */
export function readAs(res: Response, person: Pick<UserRecord, 'locale' | 'timeZone' | 'sites'>): void {
  res.locals.readerPerson = person;
}

/** Where this response's readers' locale and zone default from (their site's, the installation's). */
export function readerDefaultsOf(res: Response): ReaderDefaults {
  return ((res.locals.readers as PageReaders | undefined) ?? FALLBACK).defaults;
}

/** The reader of this response: the person it is for, else the browser's language. */
export function readerOf(res: Response): Reader {
  const { catalogue, defaults } = (res.locals.readers as PageReaders | undefined) ?? FALLBACK;
  const person = (res.locals.readerPerson as UserRecord | undefined) ?? res.req.principal?.user;
  const settings = person ? readerSettingsOf(person, defaults) : { locale: negotiateLocale(res.req.get('accept-language')), timeZone: defaults.timeZone };
  return readerFor(catalogue, settings.locale, settings.timeZone);
}

const ReaderContext = createContext<Reader>(readerFor(FALLBACK.catalogue));

export function ReaderProvider({ reader, children }: { reader: Reader; children?: ComponentChildren }) {
  return <ReaderContext.Provider value={reader}>{children}</ReaderContext.Provider>;
}

/** The reader, for a component: `const { t, dateTime } = useReader()`. */
export function useReader(): Reader {
  return useContext(ReaderContext);
}
