import { expect } from 'chai';
import { InvalidDefinitionError, ValidationError } from '../../engine/kernel/errors.js';
import { fieldTypeMap } from '../../engine/kernel/field-types.js';
import type { UserRecord } from '../../engine/kernel/model.js';
import { showValue } from '../../engine/kernel/present/index.js';
import { colourCardPack, PAINT_JOB_XML } from '../support/colour-packs.js';
import { openTasks, testEngine, type TestEngine } from '../helpers.js';

/** A pack's form-field type (ProcessPack.fieldTypes) at the engine: deployment, start and task forms, presentation. */
describe('form-field types brought by a pack', () => {
  it('refuses a BPMN using a pack’s type unless that pack is handed over, naming the element and the field', async () => {
    const without = await testEngine();
    const refused = await without.imsflow.deploy(PAINT_JOB_XML, 'tester').catch((err: unknown) => err);
    expect(refused).to.be.instanceOf(InvalidDefinitionError);
    const messages = (refused as InvalidDefinitionError).problems.map((p) => `${p.element}: ${p.message}`);
    expect(messages).to.include.members(['order: The start event “Order” has the form field “colour” of unknown type “colour” (one of text, longtext, number, date, select, checkbox, person, file, checklist, clauses).']);
    expect(messages.some((m) => m.startsWith('mix: ') && m.includes('“accents” of unknown type “colours”'))).to.equal(true);

    const withPack = await testEngine({ fieldTypes: colourCardPack.fieldTypes });
    const deployed = await withPack.imsflow.deploy(PAINT_JOB_XML, 'tester');
    expect(deployed.key).to.equal('paint-job');
  });

  it('lists the pack’s types among those allowed when a type is unknown', async () => {
    const t = await testEngine({ fieldTypes: colourCardPack.fieldTypes });
    const refused = (await t.imsflow.deploy(PAINT_JOB_XML.replace('type="colour"', 'type="tint"'), 'tester').catch((err: unknown) => err)) as InvalidDefinitionError;
    expect(refused.problems.map((p) => p.message).join('\n')).to.include('unknown type “tint” (one of text, longtext, number, date, select, checkbox, person, file, checklist, clauses, colour, colours)');
  });

  it('refuses a pack that brings a built-in type, or a type another pack brings', () => {
    const [colour] = colourCardPack.fieldTypes!;
    expect(() => fieldTypeMap([{ ...colour, type: 'person' }])).to.throw('the field type "person" is built in');
    expect(() => fieldTypeMap([colour, colour])).to.throw('the field type "colour" is brought by two packs');
  });

  describe('forms', () => {
    let t: TestEngine;
    let pat: UserRecord;
    before(async () => {
      t = await testEngine({ fieldTypes: colourCardPack.fieldTypes });
      await t.imsflow.deploy(colourCardPack.bpmn.xml(), 'tester');
      await t.imsflow.deploy(PAINT_JOB_XML, 'tester');
      await t.imsflow.start('colour-card', { variables: { code: 'RAL-3020', name: 'Traffic red' }, site: 'dublin' }, 'tester');
      await t.imsflow.start('colour-card', { variables: { code: 'RAL-5015', name: 'Sky blue' }, site: 'dublin' }, 'tester');
      await t.imsflow.start('colour-card', { variables: { code: 'RAL-6018', name: 'Yellow green' }, site: 'basel' }, 'tester');
      pat = await t.imsflow.saveUser({ id: 'pat', name: 'Pat Painter', email: 'pat@example.com', roles: ['staff'], sites: ['dublin'] }, 'tester');
    });

    it('stores what the pack made of the value it checked', async () => {
      const started = await t.imsflow.startAs('paint-job', { variables: { title: 'Door', colour: ' RAL-3020 ' } }, pat);
      const instance = await t.imsflow.getInstance(started.id);
      expect(instance.variables.colour).to.deep.equal({ code: 'RAL-3020', name: 'Traffic red' });
    });

    it('refuses a value the pack does not know at the record’s site, naming the field', async () => {
      const refused = await t.imsflow.startAs('paint-job', { variables: { title: 'Door', colour: 'RAL-6018' } }, pat).catch((err: unknown) => err);
      expect(refused).to.be.instanceOf(ValidationError);
      expect((refused as ValidationError).fields).to.deep.equal([{ field: 'colour', message: 'Colour names no colour card “RAL-6018” at dublin' }]);
    });

    it('checks each value of a type taking several, and refuses one named twice', async () => {
      const started = await t.imsflow.startAs('paint-job', { variables: { title: 'Gate', colour: 'RAL-5015' } }, pat);
      const { mix } = await openTasks(t.imsflow, started.id);
      const twice = await t.imsflow.completeTask(mix!.id, { accents: ['RAL-3020', 'RAL-3020'] }, 'pat').catch((err: unknown) => err);
      expect((twice as ValidationError).fields).to.deep.equal([{ field: 'accents', message: 'Accents names Traffic red (colour RAL-3020) twice' }]);
      const unknown = await t.imsflow.completeTask(mix!.id, { accents: 'RAL-3020, RAL-9999' }, 'pat').catch((err: unknown) => err);
      expect((unknown as ValidationError).fields).to.deep.equal([{ field: 'accents', message: 'Accents names no colour card “RAL-9999” at dublin' }]);
      await t.imsflow.completeTask(mix!.id, { accents: 'RAL-3020, RAL-5015' }, 'pat');
      const done = await t.imsflow.getInstance(started.id);
      const task = done.tasks.find((x) => x.elementId === 'mix')!;
      expect(task.data?.accents).to.deep.equal([
        { code: 'RAL-3020', name: 'Traffic red' },
        { code: 'RAL-5015', name: 'Sky blue' },
      ]);
    });
  });

  it('shows a value in the pack’s words, and as data when no pack words it (an old record)', () => {
    const field = { key: 'colour', type: 'colour', options: undefined };
    const value = { code: 'RAL-3020', name: 'Traffic red' };
    const [colour] = colourCardPack.fieldTypes!;
    expect(showValue(field, value, { packValue: (type, v) => (type === 'colour' ? colour.present(v, { locale: 'de-CH', language: 'de' }) : undefined) })).to.deep.equal({ kind: 'text', text: 'Traffic red (Farbe RAL-3020)' });
    const shown = showValue(field, value, {});
    expect(shown.kind).to.equal('facts');
    expect(JSON.stringify(shown)).to.include('Traffic red').and.include('"label":"Code"');
  });
});
