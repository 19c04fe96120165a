import fc from 'fast-check';
import { checkDefinition } from '../../../engine/kernel/bpmn/lint.js';
import { InvalidDefinitionError, ValidationError } from '../../../engine/kernel/errors.js';
import { validateFormData } from '../../../engine/kernel/forms.js';
import { shippedCatalogue } from '../../../processes/index.js';
import { oddText } from '../recipe.js';
import { blur, demand, FuzzFinding, type FuzzTarget } from '../target.js';

/**
 * Forms: a form definition (ims:field elements, checked by the BPMN validation a deployment runs) and
 * data submitted to it (engine/kernel/forms.ts validateFormData). Demands:
 * - the definition is accepted or refused with problems, never an exception;
 * - submitted data is cleaned or refused with a ValidationError whose every entry names a field of the
 *   form, a submitted key or `data`, and says something; never another exception;
 * - `valid` data (a good value for every field) is accepted, and every field comes back (nothing lost);
 * - `partial` data (some fields left out) is refused only for what was given or is required.
 */

interface FieldDef {
  key: string;
  type?: string;
  label?: string;
  required?: boolean;
  requiredWhen?: string;
  options?: { value: string; label?: string }[];
}

export interface FormsInput {
  fields: FieldDef[];
  mode: 'valid' | 'partial' | 'hostile';
  /** Submitted data as JSON text: parsed the way express.json parses a body (`__proto__` stays a key). */
  body: string;
}

const KEYS = ['title', 'severity', 'notes', 'done', 'due', 'evidence', 'items', 'criteria', 'owner', 'x', 'a_b', 'constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '1x', 'a-b', ''];
const TYPES = ['text', 'longtext', 'number', 'date', 'select', 'checkbox', 'person', 'file', 'checklist', 'clauses', undefined, 'TEXT', 'script'];
const OPTION_VALUES = ['yes', 'no', 'na', 'minor', 'major', '1', 'true', 'false', '', ' ', 'constructor', '__proto__', '${variables.x}', 'a|b', 'é'];

let clauseIds: string[] | undefined;
const clauses = () => (clauseIds ??= shippedCatalogue().applicableClauses().map((c) => c.id));

const fieldDef: fc.Arbitrary<FieldDef> = fc.record(
  {
    key: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: oddText(4) }),
    type: fc.constantFrom(...TYPES),
    label: fc.oneof(fc.constantFrom('Title', 'Severity', '${variables.x}', '${', '', 'Ω'), oddText(6)),
    required: fc.boolean(),
    requiredWhen: fc.oneof(fc.constantFrom('title=yes', 'severity=major|minor', 'done=true', 'done=maybe', 'x=', '=yes', 'title', 'title=a||b', 'constructor=yes', '__proto__=1'), oddText(5)),
    options: fc.array(fc.record({ value: fc.constantFrom(...OPTION_VALUES), label: fc.oneof(fc.constantFrom('Yes', 'No'), oddText(3)) }, { requiredKeys: ['value'] }), { maxLength: 4 }),
  },
  { requiredKeys: ['key'] },
);

const hex64 = fc.stringMatching(/^[a-f0-9]{64}$/);
const goodText = (max: number) => fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), oddText(8).filter((s) => s !== ''), fc.constant('x'.repeat(max))).filter((s) => s.length <= max && s.trim() !== ''); // a required text holding only white space (a BOM too) is empty

/** A value the field must accept, judged from the definition as written (defaults as the validation reads them). */
function goodValue(field: FieldDef): fc.Arbitrary<unknown> {
  const values = [...new Set((field.options ?? []).map((o) => o.value).filter(Boolean))];
  switch (field.type ?? 'text') {
    case 'text':
      return goodText(10_000);
    case 'longtext':
      return goodText(100_000);
    case 'person':
      return goodText(200);
    case 'number':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer().map(String), fc.constantFrom(' 7 ', '1e3', '0x10', '-0'));
    case 'date':
      return fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'select':
      return values.length ? fc.constantFrom(...values) : fc.constant('no options');
    case 'checkbox':
      return fc.constantFrom(true, 'true', 'on');
    case 'file':
      return fc.record(
        { sha256: hex64, name: fc.string({ minLength: 1, maxLength: 255 }), size: fc.nat(), contentType: fc.constantFrom('application/pdf', 'text/plain', '') },
        { requiredKeys: ['sha256', 'name'] },
      );
    case 'checklist':
      return fc.tuple(...values.map((item) => fc.record({ item: fc.constant(item), result: fc.constantFrom('conforms', 'nonconforming', 'na'), note: fc.string({ maxLength: 30 }) }, { requiredKeys: ['item', 'result'] })));
    case 'clauses':
      return fc.uniqueArray(fc.constantFrom(...clauses()), { minLength: 1, maxLength: 5 }).chain((ids) => fc.constantFrom<unknown>(ids, ids.join(', ')));
    default:
      return fc.string();
  }
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('x'.repeat(10_001), 'x'.repeat(100_001), '2026-02-30', '0000-00-00', '+012026-01-01', 'NaN', 'Infinity', '1e400', '', ' ', [], [''], {}, { sha256: 'a'.repeat(64), name: 'f', size: -1 }),
  fc.array(fc.record({ item: fc.constantFrom(...OPTION_VALUES), result: fc.constantFrom('conforms', 'nonconforming', 'na', 'yes'), note: fc.oneof(fc.string(), fc.constant('n'.repeat(2001))) }), { maxLength: 5 }),
  fc.constant(null),
);

/** JSON text of an object with these entries, duplicates and `__proto__` kept as a client could send them. */
const objectBody = (entries: [string, unknown][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;

const input: fc.Arbitrary<FormsInput> = fc.array(fieldDef, { minLength: 1, maxLength: 5 }).chain((fields) =>
  fc.oneof(
    fc.tuple(...fields.map((f) => goodValue(f))).map((values) => ({ fields, mode: 'valid' as const, body: objectBody(fields.map((f, i) => [f.key, values[i]])) })),
    fc
      .tuple(fc.tuple(...fields.map((f) => goodValue(f))), fc.array(fc.boolean(), { minLength: fields.length, maxLength: fields.length }))
      .map(([values, keep]) => ({ fields, mode: 'partial' as const, body: objectBody(fields.flatMap((f, i) => (keep[i] ? [[f.key, values[i]] as [string, unknown]] : []))) })),
    fc
      .oneof(
        fc.array(fc.tuple(fc.oneof(fc.constantFrom(...fields.map((f) => f.key)), fc.constantFrom(...KEYS), oddText(3)), hostileValue), { maxLength: 6 }).map(objectBody),
        hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
      )
      .map((body) => ({ fields, mode: 'hostile' as const, body })),
  ),
);

const xmlAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);

function formXml(fields: FieldDef[]): string {
  const attrs = (record: object) =>
    Object.entries(record)
      .filter(([name, v]) => v !== undefined && name !== 'options')
      .map(([name, v]) => ` ${name}="${xmlAttribute(String(v))}"`)
      .join('');
  const form = fields.map((f) => `<ims:field${attrs(f)}>${(f.options ?? []).map((o) => `<ims:option${attrs(o)} />`).join('')}</ims:field>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:ims="http://imsflow.org/schema/bpmn/ims/1.0" id="d" targetNamespace="urn:fuzz">
  <bpmn:process id="fuzz" isExecutable="true">
    <bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task" name="Fill in" ims:candidateRole="quality-manager"><bpmn:extensionElements><ims:form>${form}</ims:form></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" /><bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
}

export const formsTarget: FuzzTarget<FormsInput> = {
  name: 'forms',
  about: 'form definitions through the BPMN validation, submitted data through engine/kernel/forms.ts validateFormData',
  arbitrary: () => input,
  async run({ fields, mode, body }) {
    let checked;
    try {
      checked = await checkDefinition(formXml(fields), { services: new Set() });
    } catch (err) {
      if (err instanceof FuzzFinding) throw err;
      demand(err instanceof InvalidDefinitionError, `the form definition threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
      return `definition not read: ${blur(err.problems[0]?.message ?? '')}`;
    }
    if (checked.problems.length) return `definition refused: ${blur(checked.problems[0].message)}`;
    const form = checked.spec!.userTasks.get('task')!.form;
    const data: unknown = JSON.parse(body);
    const given = data && typeof data === 'object' && !Array.isArray(data) ? Object.keys(data) : [];
    let cleaned: Record<string, unknown>;
    try {
      cleaned = await validateFormData(form, data, { catalogue: shippedCatalogue() });
    } catch (err) {
      if (err instanceof FuzzFinding) throw err;
      demand(err instanceof ValidationError, `validateFormData threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
      demand(err.fields.length > 0, `refused without naming a field: ${err.message}`);
      const named = new Set(['data', ...given, ...form.map((f) => f.key)]);
      for (const problem of err.fields) {
        demand(named.has(problem.field), `refusal names "${problem.field}", which is neither a field nor a submitted key`);
        demand(problem.message.trim().length > 0, `refusal of "${problem.field}" says nothing`);
        if (mode === 'partial' && !given.includes(problem.field)) {
          demand(/ is required/.test(problem.message), `"${problem.field}" was not submitted, yet was refused with: ${problem.message}`);
        }
      }
      demand(mode !== 'valid', `good data was refused: ${err.fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`);
      return `${mode}: refused: ${blur(err.fields[0].message.replace(/^.*? (is|must|may|has|names|needs|answers|lists|cannot) /, '$1 '))}`;
    }
    demand(mode !== 'hostile' || given.every((k) => form.some((f) => f.key === k)), 'an unknown key was accepted');
    for (const key of given) {
      // an empty value (null, "", []) means "not given" and is left out on purpose
      const value = (data as Record<string, unknown>)[key];
      if (value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
      demand(Object.hasOwn(cleaned, key), `"${key}" was accepted but is missing from the cleaned data (it would be lost)`);
    }
    demand(Object.getPrototypeOf(cleaned) === Object.prototype, 'the cleaned data is not a plain object (its prototype was replaced)');
    return `${mode}: accepted`;
  },
};
