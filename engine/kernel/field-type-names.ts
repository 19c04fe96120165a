/**
 * The names of form-field types, without what checks them (engine/kernel/field-types.ts): the BPMN rules and
 * the modeler read these, in the browser too.
 */

export type BuiltInFieldType =
  | 'text'
  | 'longtext'
  | 'number'
  | 'date'
  | 'select'
  | 'checkbox'
  | 'person'
  | 'file'
  | 'checklist'
  /** Clauses of the clause catalogue (its record ids), e.g. an audit's criteria. */
  | 'clauses';

/**
 * A built-in type, or a type a process pack brings (PackFieldType, `document`): a BPMN may name a pack's
 * type only where that pack is handed over; an old record's value of one reads as data.
 */
export type FieldType = BuiltInFieldType | (string & Record<never, never>);

/** The built-in field types, which no pack may take. */
export const BUILT_IN_FIELD_TYPES: readonly BuiltInFieldType[] = ['text', 'longtext', 'number', 'date', 'select', 'checkbox', 'person', 'file', 'checklist', 'clauses'];

/** How a pack's field type is named: lower-case kebab-case. */
export const PACK_TYPE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
