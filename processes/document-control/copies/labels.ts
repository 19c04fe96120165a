/**
 * The words printed on a controlled copy and the notes that go with an unstamped original, in the reader's
 * language. The caller passes them in CopyStamp.labels (it may take these defaults, or its own words).
 */

/** A version's status as versions.ts derives it; every status but `effective` also gets a diagonal watermark. */
export type CopyStatus = 'draft' | 'in-review' | 'approved' | 'effective' | 'superseded' | 'obsolete';

export const COPY_STATUSES: readonly CopyStatus[] = ['draft', 'in-review', 'approved', 'effective', 'superseded', 'obsolete'];

/** Why a copy is the original file rather than a stamped PDF (CopyOriginal.reason). */
export type UnstampedReason = 'no-converter' | 'conversion-failed' | 'conversion-timeout' | 'converter-busy' | 'too-large-to-convert';

export interface CopyLabels {
  /** "Uncontrolled when printed": on every page. */
  uncontrolled: string;
  /** Before the revision: "Revision" (printed as "Revision 2.0"). */
  revision: string;
  /** Before the effective date: "Effective from". */
  effectiveFrom: string;
  /** Before the signatures' manifestation (21 CFR 11.50): "Signed electronically". */
  signedBy: string;
  /** Beside the QR code: "Current version". */
  currentVersion: string;
  /** "Page {page} of {pages}". */
  page: string;
  /** The status word in the header band ("Effective"). */
  status: Record<CopyStatus, string>;
  /** The diagonal watermark of a version that is not effective ("SUPERSEDED"). */
  watermark: Record<Exclude<CopyStatus, 'effective'>, string>;
  /** The note shown with an original given back instead of a stamped copy, by why. */
  unstamped: Record<UnstampedReason, string>;
}

export type CopyLanguage = 'en' | 'de' | 'fr';

const en: CopyLabels = {
  uncontrolled: 'Uncontrolled when printed',
  revision: 'Revision',
  effectiveFrom: 'Effective from',
  signedBy: 'Signed electronically',
  currentVersion: 'Current version',
  page: 'Page {page} of {pages}',
  status: { draft: 'Draft', 'in-review': 'In review', approved: 'Approved, not yet effective', effective: 'Effective', superseded: 'Superseded', obsolete: 'Obsolete' },
  watermark: { draft: 'DRAFT', 'in-review': 'IN REVIEW', approved: 'NOT YET EFFECTIVE', superseded: 'SUPERSEDED', obsolete: 'OBSOLETE' },
  unstamped: {
    'no-converter': 'This is the original file, not a stamped controlled copy: LibreOffice, which turns it into a PDF, is not installed on the server. Check the status and revision on the document page before use.',
    'conversion-failed': 'This is the original file, not a stamped controlled copy: LibreOffice could not turn it into a PDF. Check the status and revision on the document page before use.',
    'conversion-timeout': 'This is the original file, not a stamped controlled copy: turning it into a PDF took too long. Check the status and revision on the document page before use.',
    'converter-busy': 'This is the original file, not a stamped controlled copy: the server is busy turning other documents into PDF; try again in a minute.',
    'too-large-to-convert': 'This is the original file, not a stamped controlled copy: it is too large to be turned into a PDF on the server. Check the status and revision on the document page before use.',
  },
};

const de: CopyLabels = {
  uncontrolled: 'Ausgedruckt nicht gelenkt',
  revision: 'Revision',
  effectiveFrom: 'Gültig ab',
  signedBy: 'Elektronisch unterschrieben',
  currentVersion: 'Aktuelle Fassung',
  page: 'Seite {page} von {pages}',
  status: { draft: 'Entwurf', 'in-review': 'In Prüfung', approved: 'Freigegeben, noch nicht gültig', effective: 'Gültig', superseded: 'Ersetzt', obsolete: 'Außer Kraft' },
  watermark: { draft: 'ENTWURF', 'in-review': 'IN PRÜFUNG', approved: 'NOCH NICHT GÜLTIG', superseded: 'ERSETZT', obsolete: 'AUSSER KRAFT' },
  unstamped: {
    'no-converter': 'Dies ist die Originaldatei, keine gestempelte gelenkte Kopie: LibreOffice, das sie in ein PDF umwandelt, ist auf dem Server nicht installiert. Prüfen Sie Status und Revision auf der Dokumentseite vor der Verwendung.',
    'conversion-failed': 'Dies ist die Originaldatei, keine gestempelte gelenkte Kopie: LibreOffice konnte sie nicht in ein PDF umwandeln. Prüfen Sie Status und Revision auf der Dokumentseite vor der Verwendung.',
    'conversion-timeout': 'Dies ist die Originaldatei, keine gestempelte gelenkte Kopie: die Umwandlung in ein PDF dauerte zu lange. Prüfen Sie Status und Revision auf der Dokumentseite vor der Verwendung.',
    'converter-busy': 'Dies ist die Originaldatei, keine gestempelte gelenkte Kopie: der Server wandelt gerade andere Dokumente in PDF um; versuchen Sie es in einer Minute erneut.',
    'too-large-to-convert': 'Dies ist die Originaldatei, keine gestempelte gelenkte Kopie: sie ist zu groß, um auf dem Server in ein PDF umgewandelt zu werden. Prüfen Sie Status und Revision auf der Dokumentseite vor der Verwendung.',
  },
};

const fr: CopyLabels = {
  uncontrolled: 'Copie non maîtrisée une fois imprimée',
  revision: 'Révision',
  effectiveFrom: 'En vigueur depuis le',
  signedBy: 'Signé électroniquement',
  currentVersion: 'Version en vigueur',
  page: 'Page {page} sur {pages}',
  status: { draft: 'Brouillon', 'in-review': 'En revue', approved: 'Approuvé, pas encore en vigueur', effective: 'En vigueur', superseded: 'Remplacé', obsolete: 'Obsolète' },
  watermark: { draft: 'BROUILLON', 'in-review': 'EN REVUE', approved: 'PAS ENCORE EN VIGUEUR', superseded: 'REMPLACÉ', obsolete: 'OBSOLÈTE' },
  unstamped: {
    'no-converter': "Ceci est le fichier original, pas une copie maîtrisée tamponnée : LibreOffice, qui le convertit en PDF, n'est pas installé sur le serveur. Vérifiez le statut et la révision sur la page du document avant utilisation.",
    'conversion-failed': "Ceci est le fichier original, pas une copie maîtrisée tamponnée : LibreOffice n'a pas pu le convertir en PDF. Vérifiez le statut et la révision sur la page du document avant utilisation.",
    'conversion-timeout': 'Ceci est le fichier original, pas une copie maîtrisée tamponnée : la conversion en PDF a pris trop de temps. Vérifiez le statut et la révision sur la page du document avant utilisation.',
    'converter-busy': "Ceci est le fichier original, pas une copie maîtrisée tamponnée : le serveur convertit d'autres documents en PDF ; réessayez dans une minute.",
    'too-large-to-convert': 'Ceci est le fichier original, pas une copie maîtrisée tamponnée : il est trop volumineux pour être converti en PDF sur le serveur. Vérifiez le statut et la révision sur la page du document avant utilisation.',
  },
};

export const COPY_LABELS: Readonly<Record<CopyLanguage, CopyLabels>> = { en, de, fr };

/** The default words for `language` ('de-CH' → de), English when the language has none. */
export function copyLabels(language: string | undefined): CopyLabels {
  const base = (language ?? 'en').toLowerCase().split('-')[0];
  return base === 'de' || base === 'fr' ? COPY_LABELS[base] : COPY_LABELS.en;
}
