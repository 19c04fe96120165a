import { BUILT_IN_FIELD_TYPES, PACK_TYPE_NAME } from './field-type-names.js';
import type { FormField } from './model.js';
import type { RecordReader } from './services.js';

/**
 * A form-field type a process pack brings (ProcessPack.fieldTypes): `document`, say, naming the effective
 * version of a controlled document. The kernel knows none by name: a BPMN may use a pack's type only when
 * that pack was handed over, and forms check, offer and show its values through the functions here.
 */
export interface PackFieldType {
  /** The name an ims:field's `type` gives (`document`): lower-case, not one of the built-in types. */
  type: string;
  /** The MessageSet key of the type's name (`document-control.fieldType.document`), for the modeler's type list. */
  label: string;
  /** A field of this type names several values (a list of picks), each checked by `check`. */
  multiple?: boolean;
  /**
   * One submitted value (text from a form, or what the JSON API sent): the value to store (small, plain
   * data that says what was picked, e.g. `{number, revision, title}`) or why it is refused, as the end of
   * a sentence after the field's label ("names no effective document SOP-QA-0009").
   */
  check(raw: unknown, context: FieldTypeContext): Promise<{ value: unknown } | { error: string }>;
  /** What may be picked, for the form to offer (a select); `value` is what the form then submits. */
  choices?(context: FieldTypeContext): Promise<FieldChoice[]>;
  /**
   * A stored value as words, on record pages, in the audit trail and emails ("SOP-QA-0001 Cleaning of
   * filling line, revision 2.0"); undefined when the value is not one it knows (then it is shown as data).
   */
  present(value: unknown, reader: FieldTypeReader): string | undefined;
}

/** A value of a pack's type in the reader's words (for ValueLookups.packValue); a pack's failure to word it reads as data. */
export function packValueWords(types: ReadonlyMap<string, PackFieldType>, reader: FieldTypeReader): (type: string, value: unknown) => string | undefined {
  return (type, value) => {
    try {
      const text = types.get(type)?.present(value, reader);
      return typeof text === 'string' && text.trim() ? text : undefined;
    } catch {
      return undefined;
    }
  };
}

/** What a pack's field type may read while checking or offering values. */
export interface FieldTypeContext {
  records: RecordReader;
  /** The site of the record the form belongs to (absent: a record of no site). */
  site?: string;
  /** That site's name in the site register ("Basel"), for a refusal to name it; absent: unknown or not looked up. */
  siteName?: string;
  now: Date;
  /** The field being checked or offered (its key, label, required, ims:option elements). */
  field: FormField;
  /**
   * Who reads the choices offered (a page's reader: choice labels in their language); absent where nobody
   * reads (the JSON API, the engine's own checks): then English.
   */
  reader?: FieldTypeReader;
}

export interface FieldChoice {
  value: string;
  label: string;
}

/** Who reads a presented value or a choice: their locale (`de-CH`) and its language (`de`; en, de or fr). */
export interface FieldTypeReader {
  locale: string;
  language: string;
  /** A message of the installation's catalogue (the packs' messages included) in the reader's language; absent where there is none at hand. */
  t?(id: string, values?: Record<string, unknown>): string;
  /** Shipped text that may have a translation (a process's name: `<key>.process.name`), as Reader.translated; absent where there is none at hand. */
  translated?(id: string, authored: string, values?: Record<string, unknown>): string;
}

export { BUILT_IN_FIELD_TYPES, PACK_TYPE_NAME } from './field-type-names.js';

/** The field types of the packs handed over, by name; refuses a name twice or a built-in one (a programming error of a pack). */
export function fieldTypeMap(types: readonly PackFieldType[]): ReadonlyMap<string, PackFieldType> {
  const byName = new Map<string, PackFieldType>();
  for (const type of types) {
    if (!PACK_TYPE_NAME.test(type.type)) throw new Error(`the field type "${type.type}" must be lower-case kebab-case`);
    if ((BUILT_IN_FIELD_TYPES as readonly string[]).includes(type.type)) throw new Error(`the field type "${type.type}" is built in; a pack cannot bring it`);
    if (byName.has(type.type)) throw new Error(`the field type "${type.type}" is brought by two packs`);
    byName.set(type.type, type);
  }
  return byName;
}

/** Most values one `multiple` field may name. */
export const MAX_PICKS = 100;

/** A multiple field's submission as a list: a list as given, or text separated by commas or new lines. */
export function picksOf(raw: unknown): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'string') return raw.split(/[,\n]/).map((item) => item.trim()).filter(Boolean);
  return [raw];
}
