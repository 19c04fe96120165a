import { durationLength, FIELD_TYPES, SIGNATURE_MEANINGS } from '../engine/kernel/bpmn/validate.js';
import { FIELD_ROLES } from '../engine/kernel/bpmn/form-fields.js';
import { durationIn } from '../engine/kernel/bpmn/problem-language.js';
import { kindRefOf, problemSayer, sayKind } from '../engine/kernel/bpmn/problem-words.js';
import { languageOf } from '../engine/kernel/i18n/locales.js';
import { readDuration } from './durations.js';
import { el } from './http.js';
import { PanelFocus } from './panel-focus.js';
import { wordsOf, type WordId, type Words } from './words.js';

/**
 * The `ims:` side panel: a plain panel (no bpmn-js-properties-panel, which would triple the page's
 * JavaScript) for everything the engine reads from a diagram: the process's business key prefix and owner
 * role; a user task's candidate role or assignee, due / reminder / escalation durations, signature meaning,
 * separation of duties and form fields; a service task's registered service; a flow's condition; a timer.
 *
 * Every edit goes through bpmn-js's `modeling` (updateProperties / updateModdleProperties), so it is one
 * step on the command stack: undo, redo and autosave see it like any drawing change. Inputs write on
 * `change` (leaving the field, Enter, picking an option), not on every key, so one edit is one undo step.
 */

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

type Bo = Record<string, any> & { $type: string; id?: string; get(name: string): any; $parent?: Bo };
export interface Shape {
  id: string;
  type: string;
  businessObject: Bo;
}

interface Modeling {
  updateProperties(element: Shape, properties: Record<string, unknown>): void;
  updateModdleProperties(element: Shape, moddleElement: Bo, properties: Record<string, unknown>): void;
}
interface Moddle {
  create(type: string, properties?: Record<string, unknown>): Bo;
}
interface Canvas {
  getRootElement(): Shape;
}
interface ElementRegistry {
  get(id: string): Shape | undefined;
  filter(fn: (element: Shape) => boolean): Shape[];
}

export interface PanelOptions {
  /** Roles present in the directory (GET /api/roles). */
  roles: string[];
  /** Registered services (GET /api/services). */
  services: { name: string; description?: string }[];
  /** The form-field types the packs bring (GET /api/field-types), named in the reader's language. */
  fieldTypes?: PackFieldTypeChoice[];
  /** The problems the shared rule set reports for one element id. */
  problemsOf(id: string): string[];
  readOnly?: boolean;
  /** The words of the page (words.ts); English when absent. */
  words?: Words;
}

/** A pack's form-field type as the modeler offers it. */
export interface PackFieldTypeChoice {
  type: string;
  label: string;
  multiple?: boolean;
}

interface Injector {
  get<T = any>(name: string, strict?: boolean): T;
}

/** Plain copies of the ims: extension elements, edited and then written back whole. */
interface FieldDraft {
  key: string;
  label: string;
  type: string;
  required: boolean;
  requiredWhen: string;
  /** ims:role of a person field: the role the person named must hold; '' for any person of the site. */
  role: string;
  /** ims:siteFrom of a person field: the key of the field giving the site; '' for the record's site. */
  siteFrom: string;
  options: { value: string; label: string }[];
}
interface EscalationDraft {
  after: string;
  to: string;
  reassign: boolean;
}

/** Roles the engine resolves itself, for escalations (README: reminders, escalations and email). */
const DERIVED_ROLES = ['manager', 'process-owner'];


export class ImsPanel {
  private readonly modeling: Modeling;
  private readonly moddle: Moddle;
  private readonly canvas: Canvas;
  private readonly registry: ElementRegistry;
  private selected: Shape | undefined;
  private words: Words | undefined;
  private readonly focus: PanelFocus;

  constructor(
    private readonly container: HTMLElement,
    injector: Injector,
    private readonly options: PanelOptions,
  ) {
    // A viewer (read-only pages) has no modeling: the panel is then disabled and never writes.
    this.modeling = injector.get('modeling', false);
    this.moddle = injector.get('moddle');
    this.canvas = injector.get('canvas');
    this.registry = injector.get('elementRegistry');
    const eventBus = injector.get<{ on(event: string, fn: (event: any) => void): void }>('eventBus');
    this.focus = new PanelFocus(container);
    eventBus.on('selection.changed', (event: { newSelection: Shape[] }) => {
      this.selected = event.newSelection.length === 1 ? event.newSelection[0] : undefined;
      this.render();
    });
    // After any change (an edit here, undo, redo, a drawing change) the panel shows the model as it is.
    eventBus.on('elements.changed', (event: { elements: Shape[] }) => {
      if (!this.selected || event.elements.some((e) => e.id === this.selected!.id || e === this.canvas.getRootElement())) {
        if (this.selected && !this.registry.get(this.selected.id)) this.selected = undefined;
        this.render();
      }
    });
    eventBus.on('import.done', () => {
      this.selected = undefined;
      this.render();
    });
  }

  /** Re-renders for the current selection, keeping focus (and what is being typed) where it was (panel-focus.ts). */
  render(): void {
    const restoreFocus = this.focus.keep();
    const candidate = this.selected ?? this.processShape();
    // Before a diagram is imported the canvas root is an implicit one, with no BPMN element behind it.
    const shape = candidate?.businessObject ? candidate : undefined;
    this.container.dataset.element = shape?.businessObject.id ?? '';
    this.container.replaceChildren(...(shape ? this.sections(shape) : [el('p', {}, this.t('modeler.panel.selectElement'))]));
    if (this.options.readOnly) for (const input of this.container.querySelectorAll<HTMLInputElement>('input, select, textarea, button')) input.disabled = true;
    restoreFocus();
  }

  /** The executable process: the canvas root, or (in a collaboration) the participant holding it. */
  private processShape(): Shape | undefined {
    const root = this.canvas.getRootElement();
    if (!root?.businessObject) return undefined;
    if (root.businessObject.$type === 'bpmn:Process') return root;
    return this.registry.filter((e) => e.type === 'bpmn:Participant' && e.businessObject.processRef?.isExecutable)[0] ?? root;
  }

  private sections(shape: Shape): HTMLElement[] {
    const bo = shape.businessObject;
    const type = bo.$type;
    const words = this.w;
    // The heading names what was drawn and its name; the id is technical detail, folded away at the end.
    const kind = languageOf(words.locale) === 'en' ? type.replace('bpmn:', '').replace(/([a-z])([A-Z])/g, '$1 $2') : capitalised(sayKind(kindRefOf(bo as never), problemSayer(words.locale, words.messages)));
    const title = el('h2', { id: 'ims-panel-title' }, `${kind}${bo.name ? `: ${bo.name}` : ''}`);
    const out: HTMLElement[] = [title];
    const problems = bo.id ? this.options.problemsOf(bo.id) : [];
    if (problems.length) {
      out.push(el('div', { class: 'notice bad', role: 'status' }, el('strong', {}, words.say('modeler.panel.problemsHere')), el('ul', {}, ...problems.map((p) => el('li', {}, p)))));
    }
    out.push(...this.fields(shape));
    out.push(el('details', { class: 'ims-panel-details' }, el('summary', {}, words.say('modeler.panel.details')), el('p', { class: 'hint' }, words.say('modeler.panel.id', { id: bo.id ?? '' }))));
    return out;
  }

  /** The properties the engine reads from the element, by its type. */
  private fields(shape: Shape): HTMLElement[] {
    const bo = shape.businessObject;
    const type = bo.$type;
    const out: HTMLElement[] = [];
    if (type === 'bpmn:Process' || type === 'bpmn:Participant' || type === 'bpmn:Collaboration') {
      out.push(...this.processFields(shape));
      return out;
    }
    if (type !== 'bpmn:Lane' && type !== 'bpmn:TextAnnotation') out.push(this.text(shape, bo, 'name', this.t('modeler.panel.name'), this.t('modeler.panel.nameHint')));
    if (type === 'bpmn:UserTask') out.push(...this.userTaskFields(shape));
    if (type === 'bpmn:ServiceTask') out.push(this.serviceField(shape));
    if (type === 'bpmn:SequenceFlow') out.push(...this.flowFields(shape));
    const timer = (bo.eventDefinitions ?? []).find((d: Bo) => d.$type === 'bpmn:TimerEventDefinition');
    if (timer) out.push(...this.timerFields(shape, timer));
    if (bo.loopCharacteristics?.$type === 'bpmn:MultiInstanceLoopCharacteristics') out.push(this.collectionField(shape, bo.loopCharacteristics));
    return out;
  }

  // ---- process -------------------------------------------------------------------------------------

  private processFields(shape: Shape): HTMLElement[] {
    const process: Bo | undefined = shape.businessObject.$type === 'bpmn:Process' ? shape.businessObject : shape.businessObject.processRef;
    if (!process) return [el('p', {}, this.t('modeler.panel.selectPool'))];
    const write = (properties: Record<string, unknown>) =>
      shape.businessObject === process ? this.modeling.updateProperties(shape, properties) : this.modeling.updateModdleProperties(shape, process, properties);
    return [
      el('p', { class: 'hint' }, this.t('modeler.panel.processKey', { key: process.id ?? '' })),
      this.input({ id: 'ims-process-name', label: this.t('modeler.panel.processName'), value: process.name ?? '', onChange: (v) => write({ name: v || undefined }) }),
      this.input({
        id: 'ims-businessKeyPrefix',
        label: this.t('modeler.panel.prefix'),
        hint: this.t('modeler.panel.prefixHint'),
        value: process.get('ims:businessKeyPrefix') ?? '',
        onChange: (v) => write({ 'ims:businessKeyPrefix': v.trim() || undefined }),
      }),
      this.roleSelect({ id: 'ims-ownerRole', label: this.t('modeler.panel.ownerRole'), hint: this.t('modeler.panel.ownerRoleHint'), value: process.get('ims:ownerRole') ?? '', onChange: (v) => write({ 'ims:ownerRole': v || undefined }) }),
    ];
  }

  // ---- user task -----------------------------------------------------------------------------------

  private userTaskFields(shape: Shape): HTMLElement[] {
    const bo = shape.businessObject;
    const attr = (name: string) => (bo.get(`ims:${name}`) as string | undefined) ?? '';
    const set = (name: string) => (value: string) => this.modeling.updateProperties(shape, { [`ims:${name}`]: value.trim() || undefined });
    const who = el(
      'fieldset',
      {},
      el('legend', {}, this.t('modeler.panel.who')),
      el('p', { class: 'hint' }, this.t('modeler.panel.whoHint')),
      this.roleSelect({ id: 'ims-candidateRole', label: this.t('modeler.panel.candidateRole'), value: attr('candidateRole'), onChange: set('candidateRole') }),
      this.input({
        id: 'ims-assignee',
        label: this.t('modeler.panel.assignee'),
        hint: this.t('modeler.panel.assigneeHint', { example: '${variables.owner}' }),
        value: attr('assignee'),
        onChange: set('assignee'),
      }),
    );
    const due = attr('due');
    const remindBefore = attr('remindBefore');
    const order: string[] = [];
    const dueMs = durationLength(due);
    const beforeMs = durationLength(remindBefore);
    if (dueMs !== undefined && beforeMs !== undefined && beforeMs >= dueMs) order.push(this.t('modeler.panel.orderReminder'));
    const escalations = this.escalationsOf(bo);
    for (let i = 1; i < escalations.length; i += 1) {
      const a = durationLength(escalations[i - 1]!.after);
      const b = durationLength(escalations[i]!.after);
      if (a !== undefined && b !== undefined && b <= a) order.push(this.t('modeler.panel.orderEscalation', { n: i + 1, previous: i }));
    }
    const when = el(
      'fieldset',
      {},
      el('legend', {}, this.t('modeler.panel.when')),
      this.duration({ id: 'ims-due', label: this.t('modeler.panel.due'), hint: this.t('modeler.panel.dueHint'), value: due, onChange: set('due') }),
      this.duration({ id: 'ims-remindBefore', label: this.t('modeler.panel.remindBefore'), hint: this.t('modeler.panel.remindBeforeHint'), value: remindBefore, onChange: set('remindBefore') }),
      this.duration({ id: 'ims-remindEvery', label: this.t('modeler.panel.remindEvery'), hint: this.t('modeler.panel.remindEveryHint'), value: attr('remindEvery'), onChange: set('remindEvery') }),
      order.length ? el('div', { class: 'notice bad', role: 'alert', id: 'ims-order' }, ...order.map((o) => el('p', {}, o))) : undefined,
    );
    const signature = el(
      'fieldset',
      {},
      el('legend', {}, this.t('modeler.panel.signature')),
      this.select({
        id: 'ims-signature',
        label: this.t('modeler.panel.signatureWhen'),
        hint: this.t('modeler.panel.signatureHint'),
        value: attr('signature'),
        choices: [['', this.t('modeler.panel.notRequired')], ...SIGNATURE_MEANINGS.map((m) => [m, this.t('modeler.panel.requiredMeaning', { meaning: m })] as [string, string])],
        onChange: set('signature'),
      }),
      this.notByField(shape),
    );
    return [who, when, signature, this.escalationFields(shape, escalations), this.formBuilder(shape)];
  }

  private notByField(shape: Shape): HTMLElement {
    const bo = shape.businessObject;
    const chosen = new Set(String(bo.get('ims:notBy') ?? '').split(/[\s,]+/).filter(Boolean));
    const others = this.registry.filter((e) => e.type === 'bpmn:UserTask' && e.id !== shape.id);
    const box = el('fieldset', { class: 'ims-notby' }, el('legend', {}, this.t('modeler.panel.notBy')));
    if (!others.length) box.append(el('p', { class: 'hint' }, this.t('modeler.panel.notByNone')));
    for (const other of others) {
      const id = `ims-notBy-${other.id}`;
      const input = el('input', { type: 'checkbox', id, checked: chosen.has(other.id) });
      input.addEventListener('change', () => {
        const next = new Set(chosen);
        if (input.checked) next.add(other.id);
        else next.delete(other.id);
        this.modeling.updateProperties(shape, { 'ims:notBy': next.size ? [...next].join(' ') : undefined });
      });
      box.append(el('div', { class: 'check' }, input, el('label', { for: id }, other.businessObject.name || other.id)));
    }
    return box;
  }

  private escalationsOf(bo: Bo): EscalationDraft[] {
    return this.imsValues(bo, 'ims:Escalation').map((e) => ({ after: e.after ?? '', to: e.to ?? '', reassign: Boolean(e.reassign) }));
  }

  private escalationFields(shape: Shape, escalations: EscalationDraft[]): HTMLElement {
    const box = el('fieldset', {}, el('legend', {}, this.t('modeler.panel.escalations')), el('p', { class: 'hint' }, this.t('modeler.panel.escalationsHint')));
    escalations.forEach((step, index) => {
      const write = (change: Partial<EscalationDraft>) => this.writeExtensions(shape, { escalations: escalations.map((s, i) => (i === index ? { ...s, ...change } : s)) });
      box.append(
        el(
          'div',
          { class: 'ims-row', role: 'group', 'aria-label': this.t('modeler.panel.escalation', { n: index + 1 }) },
          this.duration({ id: `ims-esc-${index}-after`, label: this.t('modeler.panel.escalationAfter', { n: index + 1 }), value: step.after, onChange: (v) => write({ after: v.trim() }) }),
          this.roleSelect({ id: `ims-esc-${index}-to`, label: this.t('modeler.panel.escalationTo'), value: step.to, extra: DERIVED_ROLES, onChange: (v) => write({ to: v }) }),
          this.checkbox({ id: `ims-esc-${index}-reassign`, label: this.t('modeler.panel.escalationReassign'), checked: step.reassign, onChange: (v) => write({ reassign: v }) }),
          this.button(this.t('modeler.panel.removeEscalation', { n: index + 1 }), this.t('modeler.panel.remove'), () => this.writeExtensions(shape, { escalations: escalations.filter((_, i) => i !== index) })),
        ),
      );
    });
    box.append(this.button(this.t('modeler.panel.addEscalation'), this.t('modeler.panel.addEscalation'), () => this.writeExtensions(shape, { escalations: [...escalations, { after: escalations.length ? 'P7D' : 'P3D', to: '', reassign: false }] }), 'ims-add-escalation'));
    return box;
  }

  // ---- form builder --------------------------------------------------------------------------------

  private fieldsOf(bo: Bo): FieldDraft[] {
    const form = this.imsValues(bo, 'ims:Form')[0];
    return ((form?.fields ?? []) as Bo[]).map((f) => ({
      key: f.key ?? '',
      label: f.label ?? '',
      type: f.type ?? 'text',
      required: Boolean(f.required),
      requiredWhen: f.requiredWhen ?? '',
      role: f.role ?? '',
      siteFrom: f.siteFrom ?? '',
      options: ((f.options ?? []) as Bo[]).map((o) => ({ value: o.value ?? '', label: o.label ?? '' })),
    }));
  }

  private formBuilder(shape: Shape): HTMLElement {
    const fields = this.fieldsOf(shape.businessObject);
    const write = (next: FieldDraft[]) => this.writeExtensions(shape, { fields: next });
    const box = el('fieldset', { class: 'ims-form' }, el('legend', {}, this.t('modeler.panel.form', { count: fields.length })));
    fields.forEach((field, index) => {
      const n = index + 1;
      const update = (change: Partial<FieldDraft>) => write(fields.map((f, i) => (i === index ? { ...f, ...change } : f)));
      const move = (to: number) => {
        const next = [...fields];
        next.splice(to, 0, ...next.splice(index, 1));
        write(next);
      };
      const item = el(
        'div',
        { class: 'ims-field', role: 'group', 'aria-label': this.t('modeler.panel.fieldGroup', { n, label: field.label || field.key }) },
        el('h3', {}, this.t('modeler.panel.field', { n })),
        this.input({ id: `ims-field-${index}-key`, label: this.t('modeler.panel.key'), hint: this.t('modeler.panel.keyHint'), value: field.key, onChange: (v) => update({ key: v.trim() }) }),
        this.input({ id: `ims-field-${index}-label`, label: this.t('modeler.panel.label'), value: field.label, onChange: (v) => update({ label: v }) }),
        this.select({ id: `ims-field-${index}-type`, label: this.t('modeler.panel.type'), value: field.type, choices: [...FIELD_TYPES.map((t) => [t, this.t(`modeler.panel.type.${t}` as WordId)] as [string, string]), ...(this.options.fieldTypes ?? []).map((f) => [f.type, f.label] as [string, string])], onChange: (v) => update({ type: v }) }),
        this.checkbox({ id: `ims-field-${index}-required`, label: this.t('modeler.panel.required'), checked: field.required, onChange: (v) => update({ required: v }) }),
        this.input({
          id: `ims-field-${index}-requiredWhen`,
          label: this.t('modeler.panel.requiredWhen'),
          hint: this.t('modeler.panel.requiredWhenHint'),
          value: field.requiredWhen,
          onChange: (v) => update({ requiredWhen: v.trim() }),
        }),
      );
      if (field.type === 'person' || field.role || field.siteFrom) {
        item.append(
          this.select({
            id: `ims-field-${index}-role`,
            label: this.t('modeler.panel.fieldRole'),
            hint: this.t('modeler.panel.fieldRoleHint'),
            value: field.role,
            choices: [['', this.t('modeler.panel.fieldRoleAny')], ...FIELD_ROLES.map((r): [string, string] => [r, this.t(`modeler.panel.role.${r}` as WordId)])],
            onChange: (v) => update({ role: v }),
          }),
          this.input({
            id: `ims-field-${index}-siteFrom`,
            label: this.t('modeler.panel.siteFrom'),
            hint: this.t('modeler.panel.siteFromHint'),
            value: field.siteFrom,
            onChange: (v) => update({ siteFrom: v.trim() }),
          }),
        );
      }
      if (field.type === 'select' || field.type === 'checklist' || field.options.length) {
        const options = el('fieldset', { class: 'ims-options' }, el('legend', {}, field.type === 'checklist' ? this.t('modeler.panel.checklistItems') : this.t('modeler.panel.options')));
        field.options.forEach((option, o) => {
          const setOption = (change: Partial<{ value: string; label: string }>) => update({ options: field.options.map((x, i) => (i === o ? { ...x, ...change } : x)) });
          options.append(
            el(
              'div',
              { class: 'ims-row' },
              this.input({ id: `ims-field-${index}-option-${o}-value`, label: this.t('modeler.panel.optionValue', { o: o + 1 }), value: option.value, onChange: (v) => setOption({ value: v.trim() }) }),
              this.input({ id: `ims-field-${index}-option-${o}-label`, label: this.t('modeler.panel.optionLabel', { o: o + 1 }), value: option.label, onChange: (v) => setOption({ label: v }) }),
              this.button(this.t('modeler.panel.removeOption', { o: o + 1, n }), this.t('modeler.panel.remove'), () => update({ options: field.options.filter((_, i) => i !== o) })),
            ),
          );
        });
        options.append(this.button(this.t('modeler.panel.addOptionTo', { n }), this.t('modeler.panel.addOption'), () => update({ options: [...field.options, { value: `option${field.options.length + 1}`, label: '' }] }), `ims-field-${index}-add-option`));
        item.append(options);
      }
      item.append(
        el(
          'div',
          { class: 'ims-row' },
          index > 0 ? this.button(this.t('modeler.panel.moveUp', { n }), this.t('modeler.panel.up'), () => move(index - 1)) : undefined,
          index < fields.length - 1 ? this.button(this.t('modeler.panel.moveDown', { n }), this.t('modeler.panel.down'), () => move(index + 1)) : undefined,
          this.button(this.t('modeler.panel.removeField', { n }), this.t('modeler.panel.removeFieldText'), () => write(fields.filter((_, i) => i !== index))),
        ),
      );
      box.append(item);
    });
    box.append(
      this.button(
        this.t('modeler.panel.addField'),
        this.t('modeler.panel.addField'),
        () => {
          let k = fields.length + 1;
          while (fields.some((f) => f.key === `field${k}`)) k += 1;
          write([...fields, { key: `field${k}`, label: this.t('modeler.panel.field', { n: k }), type: 'text', required: false, requiredWhen: '', role: '', siteFrom: '', options: [] }]);
        },
        'ims-add-field',
      ),
    );
    return box;
  }

  /** The ims: extension elements of one type on an element. */
  private imsValues(bo: Bo, type: string): Bo[] {
    return ((bo.extensionElements?.values ?? []) as Bo[]).filter((v) => v.$type === type);
  }

  /**
   * Writes the task's form and escalations back as new moddle elements, in one command. Extension elements
   * of other tools (camunda:…, from imported files) are kept as they were, in front.
   */
  private writeExtensions(shape: Shape, change: { fields?: FieldDraft[]; escalations?: EscalationDraft[] }): void {
    const bo = shape.businessObject;
    const fields = change.fields ?? this.fieldsOf(bo);
    const escalations = change.escalations ?? this.escalationsOf(bo);
    const existing = bo.extensionElements as Bo | undefined;
    const others = ((existing?.values ?? []) as Bo[]).filter((v) => v.$type !== 'ims:Form' && v.$type !== 'ims:Escalation');
    const values: Bo[] = [...others];
    if (fields.length) {
      const form = this.moddle.create('ims:Form', {
        fields: fields.map((f) => {
          const field = this.moddle.create('ims:Field', {
            key: f.key,
            ...(f.label && { label: f.label }),
            type: f.type,
            ...(f.required && { required: true }),
            ...(f.requiredWhen && { requiredWhen: f.requiredWhen }),
            ...(f.role && { role: f.role }),
            ...(f.siteFrom && { siteFrom: f.siteFrom }),
            options: f.options.map((o) => this.moddle.create('ims:Option', { value: o.value, ...(o.label && { label: o.label }) })),
          });
          for (const option of field.options as Bo[]) option.$parent = field;
          return field;
        }),
      });
      for (const field of form.fields as Bo[]) field.$parent = form;
      values.push(form);
    }
    for (const step of escalations) {
      values.push(this.moddle.create('ims:Escalation', { after: step.after, ...(step.to && { to: step.to }), ...(step.reassign && { reassign: true }) }));
    }
    if (existing) {
      for (const value of values) value.$parent = existing;
      if (values.length) this.modeling.updateModdleProperties(shape, existing, { values });
      else this.modeling.updateProperties(shape, { extensionElements: undefined });
    } else if (values.length) {
      const extensionElements = this.moddle.create('bpmn:ExtensionElements', { values });
      extensionElements.$parent = bo;
      for (const value of values) value.$parent = extensionElements;
      this.modeling.updateProperties(shape, { extensionElements });
    }
  }

  // ---- service task, flow, timer, loop ------------------------------------------------------------

  private serviceField(shape: Shape): HTMLElement {
    const current = (shape.businessObject.get('ims:service') as string | undefined) ?? '';
    const choices: [string, string][] = [['', '— choose a registered service —'], ...this.options.services.map((s) => [s.name, s.description ? `${s.name}: ${s.description}` : s.name] as [string, string])];
    if (current && !this.options.services.some((s) => s.name === current)) choices.push([current, `${current} (not registered here)`]);
    return this.select({
      id: 'ims-service',
      label: this.t('modeler.panel.service'),
      hint: this.t('modeler.panel.serviceHint'),
      value: current,
      choices,
      onChange: (v) => this.modeling.updateProperties(shape, { 'ims:service': v || undefined }),
    });
  }

  private flowFields(shape: Shape): HTMLElement[] {
    const bo = shape.businessObject;
    const source = bo.sourceRef as Bo | undefined;
    if (source?.default === bo) return [el('p', { class: 'hint', id: 'ims-default-flow' }, this.t('modeler.panel.defaultFlow'))];
    if (!source || !/Gateway$/.test(source.$type)) return [];
    return [
      this.input({
        id: 'ims-condition',
        label: this.t('modeler.panel.condition'),
        hint: this.t('modeler.panel.conditionHint', { example: '${output.review.decision == "accept"}' }),
        value: bo.conditionExpression?.body ?? '',
        onChange: (v) =>
          this.modeling.updateProperties(shape, { conditionExpression: v.trim() ? this.moddle.create('bpmn:FormalExpression', { body: v.trim() }) : undefined }),
      }),
    ];
  }

  private timerFields(shape: Shape, timer: Bo): HTMLElement[] {
    const kinds: [string, string][] = [
      ['timeDuration', this.t('modeler.panel.timerDuration')],
      ['timeDate', this.t('modeler.panel.timerDate')],
      ['timeCycle', this.t('modeler.panel.timerCycle')],
    ];
    const kind = kinds.find(([k]) => timer[k])?.[0] ?? 'timeDuration';
    const value = String(timer[kind]?.body ?? '');
    const write = (nextKind: string, nextValue: string) =>
      this.modeling.updateModdleProperties(shape, timer, {
        timeDuration: undefined,
        timeDate: undefined,
        timeCycle: undefined,
        [nextKind]: this.moddle.create('bpmn:FormalExpression', { body: nextValue.trim() }),
      });
    return [
      this.select({ id: 'ims-timer-kind', label: this.t('modeler.panel.timer'), value: kind, choices: kinds, onChange: (k) => write(k, value) }),
      kind === 'timeDuration'
        ? this.duration({ id: 'ims-timer-value', label: this.t('modeler.panel.duration'), value, onChange: (v) => write(kind, v) })
        : this.input({ id: 'ims-timer-value', label: kind === 'timeDate' ? this.t('modeler.panel.date') : this.t('modeler.panel.cycle'), value, onChange: (v) => write(kind, v) }),
    ];
  }

  private collectionField(shape: Shape, loop: Bo): HTMLElement {
    return this.input({
      id: 'ims-collection',
      label: this.t('modeler.panel.collection'),
      hint: this.t('modeler.panel.collectionHint', { example: '${variables.actions}' }),
      value: loop.get('ims:collection') ?? '',
      onChange: (v) => this.modeling.updateModdleProperties(shape, loop, { 'ims:collection': v.trim() || undefined }),
    });
  }

  // ---- generic inputs ------------------------------------------------------------------------------

  private text(shape: Shape, bo: Bo, property: string, label: string, hint?: string): HTMLElement {
    return this.input({ id: `ims-${property}`, label, hint, value: bo[property] ?? '', onChange: (v) => this.modeling.updateProperties(shape, { [property]: v || undefined }) });
  }

  private input(o: { id: string; label: string; hint?: string; value: string; onChange(value: string): void; after?: HTMLElement }): HTMLElement {
    const input = el('input', { type: 'text', id: o.id, value: o.value, ...(o.hint && { 'aria-describedby': `${o.id}-hint` }), autocomplete: 'off', spellcheck: 'false' });
    input.addEventListener('change', () => o.onChange(input.value));
    return el('div', { class: 'field' }, el('label', { for: o.id }, o.label), o.hint ? el('p', { class: 'hint', id: `${o.id}-hint` }, o.hint) : undefined, input, o.after);
  }

  /** A duration input with its plain-language reading, or the engine parser's complaint, underneath. */
  private duration(o: { id: string; label: string; hint?: string; value: string; onChange(value: string): void }): HTMLElement {
    const reading = el('p', { class: 'ims-reading', id: `${o.id}-reading`, 'aria-live': 'polite' });
    const show = (value: string) => {
      const r = value.trim() ? readDuration(value) : undefined;
      reading.textContent = !r ? this.t('modeler.panel.notSet') : 'expression' in r ? this.t('modeler.panel.fromRecord') : durationIn(r.text, this.w.locale);
      reading.classList.toggle('error', Boolean(r && !r.ok));
      return r;
    };
    const field = this.input({ ...o, after: reading });
    const input = field.querySelector('input')!;
    input.setAttribute('aria-describedby', [o.hint ? `${o.id}-hint` : '', `${o.id}-reading`].filter(Boolean).join(' '));
    input.setAttribute('aria-invalid', String(show(o.value)?.ok === false));
    input.addEventListener('input', () => input.setAttribute('aria-invalid', String(show(input.value)?.ok === false)));
    return field;
  }

  private select(o: { id: string; label: string; hint?: string; value: string; choices: [string, string][]; onChange(value: string): void }): HTMLElement {
    const choices = o.choices.some(([v]) => v === o.value) ? o.choices : [...o.choices, [o.value, o.value] as [string, string]];
    const select = el('select', { id: o.id, ...(o.hint && { 'aria-describedby': `${o.id}-hint` }) }, ...choices.map(([value, text]) => el('option', { value, selected: value === o.value }, text)));
    select.addEventListener('change', () => o.onChange(select.value));
    return el('div', { class: 'field' }, el('label', { for: o.id }, o.label), o.hint ? el('p', { class: 'hint', id: `${o.id}-hint` }, o.hint) : undefined, select);
  }

  private roleSelect(o: { id: string; label: string; hint?: string; value: string; extra?: string[]; onChange(value: string): void }): HTMLElement {
    const roles = [...new Set([...this.options.roles, ...(o.extra ?? [])])].sort();
    return this.select({ ...o, choices: [['', this.t('modeler.panel.none')], ...roles.map((r) => [r, r] as [string, string])] });
  }

  private checkbox(o: { id: string; label: string; checked: boolean; onChange(value: boolean): void }): HTMLElement {
    const input = el('input', { type: 'checkbox', id: o.id, checked: o.checked });
    input.addEventListener('change', () => o.onChange(input.checked));
    return el('div', { class: 'field check' }, input, el('label', { for: o.id }, o.label));
  }

  /** The words of the page (words.ts), read once. */
  private get w(): Words {
    return (this.words ??= this.options.words ?? wordsOf(this.container));
  }

  private t(id: WordId, values?: Record<string, string | number>): string {
    return this.w.say(id, values);
  }

  /** A button; its accessible `label` starts with the visible `text`, so speech input finds it by what it says (WCAG 2.5.3). */
  private button(label: string, text: string, onClick: () => void, id?: string): HTMLButtonElement {
    const button = el('button', { type: 'button', class: 'secondary small', 'aria-label': label, ...(id && { id }) }, text);
    button.addEventListener('click', onClick);
    return button;
  }
}
