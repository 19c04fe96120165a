import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageCatalogue, onMessageProblem, readerFor, valuesReadBack, type MessageProblem } from '../../engine/kernel/i18n/index.js';
import { processesDir, shippedPacks } from '../../processes/index.js';
import { icu, packMessagesFromBpmn, packWordsFromBpmn } from '../../scripts/pack-messages.js';

/**
 * The packs' words: the BPMN stays the one source of the English, so the committed English catalogue must
 * be exactly what scripts/extract-pack-messages.ts reads from it (a changed BPMN fails here until the
 * catalogue is extracted again and the changed ids translated). test/kernel/i18n.test.ts checks German and
 * French hold the same ids and arguments.
 */
describe('pack catalogues (processes/<pack>/locales)', () => {
  for (const pack of shippedPacks) {
    it(`${pack.key}: the committed English is what the extractor reads from the BPMN, and the pack ships it (with its code's own words apart)`, async () => {
      const extracted = await packMessagesFromBpmn(pack.key, pack.bpmn.xml());
      const committed = JSON.parse(readFileSync(join(processesDir(), pack.key, 'locales', 'en', `${pack.key}.json`), 'utf8'));
      expect(committed, 'run: npx tsx scripts/extract-pack-messages.ts').to.deep.equal(extracted);
      expect(Object.keys(extracted)).to.include(`${pack.key}.process.name`);
      // besides the BPMN's words a pack may ship its code's own (its field types', figures', pages') in further files of locales/
      expect(pack.messages?.en).to.deep.include(extracted);
      expect(Object.keys(pack.messages?.de ?? {})).to.include.members(Object.keys(extracted));
      expect(Object.keys(pack.messages?.fr ?? {})).to.include.members(Object.keys(pack.messages?.en ?? {}));
    });
  }

  it('turns templated names into ICU arguments and quotes ICU syntax in literal text', () => {
    expect(icu('Implement action ${item.index}: ${item.title}')).to.equal('Implement action {index}: {title}');
    expect(icu('Plan the audit${output.independence.summary}')).to.equal('Plan the audit{summary}');
    expect(icu('${variables.title} and ${item.title}')).to.equal('{variablesTitle} and {itemTitle}');
    expect(icu('Braces {x} and <b>tags</b>')).to.equal("Braces '{'x'}' and '<'b'>'tags'<'/b'>'");
    expect(valuesReadBack(icu('Braces {x} and <b>tags</b>'), 'Braces {x} and <b>tags</b>')).to.deep.equal({});
  });

  it('every English message reads back as its authored text, so translations show while the BPMN is unchanged', async () => {
    for (const pack of shippedPacks) {
      const authored = await packWordsFromBpmn(pack.key, pack.bpmn.xml());
      for (const [id, english] of Object.entries(pack.messages?.en ?? {}).filter(([id]) => Object.hasOwn(authored, id))) {
        const values = valuesReadBack(english, authored[id]);
        // a templated name as authored reads back its expressions as the values: `${item.title}` for {title}
        expect(values, `${id}: "${english}" does not read "${authored[id]}"`).to.be.an('object');
        for (const value of Object.values(values!)) expect(value, id).to.match(/^\$\{[\w.]+\}$/);
      }
    }
  });

  it('shows a pack’s step, field and option names in German and French, a resolved templated name with its values', () => {
    const catalogue = new MessageCatalogue(shippedPacks.flatMap((p) => (p.messages ? [p.messages] : [])));
    const problems: MessageProblem[] = [];
    const restore = onMessageProblem((p) => problems.push(p));
    try {
      const de = readerFor(catalogue, 'de-CH', 'Europe/Zurich');
      const fr = readerFor(catalogue, 'fr-FR', 'Europe/Paris');
      expect(de.translated('capa.process.name', 'Corrective and preventive action (CAPA)')).to.equal('Korrektur- und Vorbeugungsmaßnahme (CAPA)');
      expect(fr.translated('nonconformity.assess.field.severity.option.major', 'Major')).to.equal('Majeure');
      expect(de.translated('capa.implement.name', 'Implement action 2: Replace the seal')).to.equal('Maßnahme 2 umsetzen: Replace the seal');
      expect(fr.translated('gap-analysis.assess.name', 'Assess 4.1 Understanding the organization')).to.equal('Évaluer 4.1 Understanding the organization');
      expect(de.translated('capa.triage.name', 'Triage: rate the risk and decide on a CAPA')).to.equal('Triage: Risiko bewerten und über CAPA entscheiden');
      // a process owner changed the words in the modeler: shown as they wrote them
      expect(de.translated('capa.intake.name', 'Record the issue and its lot')).to.equal('Record the issue and its lot');
      expect(de.translated('capa.implement.name', 'Carry out action 2: Replace the seal')).to.equal('Carry out action 2: Replace the seal');
      // a definition without a catalogue (uploaded in the modeler): as authored, and nothing reported
      expect(de.translated('my-process.task1.name', 'Check the pump')).to.equal('Check the pump');
    } finally {
      restore();
    }
    expect(problems).to.deep.equal([]);
  });
});
