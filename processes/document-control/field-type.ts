import type { FieldChoice, FieldTypeContext, FieldTypeReader, PackFieldType } from '../../engine/packs.js';
import { type DocumentSources, type DocumentVersion, documentVersions, effectiveAt, openChanges, DOCUMENT_PROCESS } from './versions.js';

/**
 * The form-field types document control brings (ProcessPack.fieldTypes), usable in any pack's forms:
 * - `document`: one controlled document, as its version effective now at the record's site;
 * - `documents`: several of them (a list);
 * - `documents-to-revise`: several, each without a change already under way (a CAPA's action plan names
 *   the documents to revise; a document change starts for each, which a change under way would refuse).
 * The value stored is `{number, revision, title}` of the effective version, so a record keeps saying which
 * revision it meant after the document moves on.
 */

/** A stored value: the effective version a field named. */
export interface DocumentPick {
  number: string;
  revision: string;
  title: string;
}

const ALL = 1_000_000;

export function isDocumentPick(value: unknown): value is DocumentPick {
  const pick = value as DocumentPick;
  return typeof value === 'object' && value !== null && typeof pick.number === 'string' && typeof pick.revision === 'string' && typeof pick.title === 'string';
}

const REVISION_WORD: Record<string, string> = { en: 'revision', de: 'Revision', fr: 'révision' };

/** "SOP-QA-0001 Cleaning of the filling line, revision 2.0" in the reader's language. */
export function documentInWords(pick: DocumentPick, language = 'en'): string {
  return `${pick.number} ${pick.title}, ${REVISION_WORD[language] ?? REVISION_WORD.en} ${pick.revision}`;
}

// One form names several documents: the records are read once per check of a form (packCheck hands every pick the same context).
const sourcesOfForm = new WeakMap<FieldTypeContext, Promise<DocumentSources>>();

function sourcesOf(context: FieldTypeContext): Promise<DocumentSources> {
  let sources = sourcesOfForm.get(context);
  if (!sources) {
    sources = context.records.instances({ key: DOCUMENT_PROCESS, limit: ALL }).then((documents) => ({ documents }));
    sourcesOfForm.set(context, sources);
  }
  return sources;
}

/** The version of each document in force now at the record's site (a record of no site: wherever it is in force). */
function effectiveNow(sources: DocumentSources, number: string | 'all', context: FieldTypeContext): DocumentVersion[] {
  if (context.site !== undefined) return effectiveAt(sources, number, context.site, context.now);
  return documentVersions(sources, { at: context.now, ...(number !== 'all' && { number }) }).filter((v) => v.status === 'effective');
}

const pickOf = (version: DocumentVersion): DocumentPick => ({ number: version.number, revision: version.revision, title: version.title });

/** The number a submission names: text ("SOP-QA-0001"), or a stored value sent back (`{number, …}`). */
function numberGiven(raw: unknown): string | undefined {
  const given = typeof raw === 'string' ? raw : typeof raw === 'object' && raw !== null && typeof (raw as { number?: unknown }).number === 'string' ? (raw as { number: string }).number : undefined;
  const number = given?.trim();
  return number && number.length <= 64 ? number : undefined;
}

function documentType(type: string, options: { multiple: boolean; toRevise: boolean }): PackFieldType {
  return {
    type,
    label: `documents.fieldType.${type}`,
    multiple: options.multiple,
    async check(raw, context) {
      const number = numberGiven(raw);
      if (!number) return { error: 'must be the number of a controlled document, such as SOP-QA-0001' };
      const sources = await sourcesOf(context);
      if (!documentVersions(sources, { number, at: context.now }).length) return { error: `names ${number}, which is not a controlled document` };
      const [version] = effectiveNow(sources, number, context);
      if (!version) {
        const where = context.site !== undefined ? ` at ${context.siteName ?? context.site}` : '';
        return { error: `names ${number}, which has no effective version${where}` };
      }
      if (options.toRevise) {
        const open = openChanges(sources.documents, number);
        if (open.length) return { error: `names ${number}, which has a change under way already (${open.map((r) => r.businessKey).join(', ')}): finish or cancel it first` };
      }
      return { value: pickOf(version) };
    },
    async choices(context): Promise<FieldChoice[]> {
      const sources = await sourcesOf(context);
      return effectiveNow(sources, 'all', context)
        .filter((version) => !options.toRevise || !openChanges(sources.documents, version.number).length)
        .map((version) => ({ value: version.number, label: documentInWords(pickOf(version)) }));
    },
    present(value: unknown, reader: FieldTypeReader) {
      return isDocumentPick(value) ? documentInWords(value, reader.language) : undefined;
    },
  };
}

export const documentFieldTypes: PackFieldType[] = [
  documentType('document', { multiple: false, toRevise: false }),
  documentType('documents', { multiple: true, toRevise: false }),
  documentType('documents-to-revise', { multiple: true, toRevise: true }),
];
