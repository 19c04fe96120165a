import type { RecordReader } from '../../engine/pack-kit.js';
import type { PackFieldType, ProcessPack } from '../../engine/packs.js';
import { bpmn } from '../helpers.js';

/**
 * TEST-ONLY process packs showing how a pack brings a form-field type (ProcessPack.fieldTypes): colour
 * cards are records of `colour-card` (a code and a name, at a site); the `colour` type names one card of
 * the record's site, `colours` several. A `paint-job` pack's forms use both.
 */

interface Card {
  code: string;
  name: string;
}

async function cardsAt(records: RecordReader, site: string | undefined): Promise<Card[]> {
  const cards = await records.instances({ key: 'colour-card', ...(site && { sites: [site] }) });
  return cards.map((card) => ({ code: String(card.variables.code ?? ''), name: String(card.variables.name ?? '') })).sort((a, b) => a.code.localeCompare(b.code));
}

const isCard = (value: unknown): value is Card => typeof value === 'object' && value !== null && typeof (value as Card).code === 'string' && typeof (value as Card).name === 'string';

function colourType(type: string, multiple: boolean): PackFieldType {
  return {
    type,
    label: `colour-card.fieldType.${type}`,
    multiple,
    async check(raw, { records, site }) {
      if (typeof raw !== 'string' || !raw.trim()) return { error: 'must be the code of a colour card' };
      const card = (await cardsAt(records, site)).find((c) => c.code === raw.trim());
      return card ? { value: card } : { error: `names no colour card “${raw.trim()}” at ${site ?? 'this site'}` };
    },
    async choices({ records, site }) {
      return (await cardsAt(records, site)).map((card) => ({ value: card.code, label: `${card.code} ${card.name}` }));
    },
    present(value, reader) {
      if (!isCard(value)) return undefined;
      return `${value.name} (${reader.language === 'de' ? 'Farbe' : 'colour'} ${value.code})`;
    },
  };
}

export const colourCardPack: ProcessPack = {
  key: 'colour-card',
  businessKeyPrefix: 'COL',
  ownerRole: 'quality-manager',
  bpmn: {
    file: 'colour-card.bpmn',
    xml: () =>
      bpmn(
        'colour-card',
        `<startEvent id="card" name="Card"><extensionElements><ims:form>
           <ims:field key="code" label="Code" type="text" required="true" />
           <ims:field key="name" label="Name" type="text" required="true" />
         </ims:form></extensionElements></startEvent>
         <sequenceFlow id="f1" sourceRef="card" targetRef="done" /><endEvent id="done" />`,
        'name="Colour card" ims:businessKeyPrefix="COL" ims:ownerRole="quality-manager" ims:starters="quality-manager"',
      ),
  },
  titleFields: ['name'],
  fieldTypes: [colourType('colour', false), colourType('colours', true)],
  // the types' names, as the modeler's type list shows them
  messages: {
    en: { 'colour-card.fieldType.colour': 'Colour card', 'colour-card.fieldType.colours': 'Colour cards' },
    de: { 'colour-card.fieldType.colour': 'Farbkarte', 'colour-card.fieldType.colours': 'Farbkarten' },
    fr: { 'colour-card.fieldType.colour': 'Carte de couleur', 'colour-card.fieldType.colours': 'Cartes de couleur' },
  },
};

/** A process whose start form names a colour and whose task names accent colours: it deploys only beside colourCardPack. */
export const PAINT_JOB_XML = bpmn(
  'paint-job',
  `<startEvent id="order" name="Order"><extensionElements><ims:form>
     <ims:field key="title" label="Title" type="text" required="true" />
     <ims:field key="colour" label="Colour" type="colour" required="true" />
   </ims:form></extensionElements></startEvent>
   <sequenceFlow id="f1" sourceRef="order" targetRef="mix" />
   <userTask id="mix" name="Mix the paint" ims:candidateRole="staff"><extensionElements><ims:form>
     <ims:field key="accents" label="Accents" type="colours" required="true" />
   </ims:form></extensionElements></userTask>
   <sequenceFlow id="f2" sourceRef="mix" targetRef="done" /><endEvent id="done" />`,
  'name="Paint job" ims:businessKeyPrefix="PJ" ims:ownerRole="quality-manager" ims:starters="staff, quality-manager"',
);

export const paintJobPack: ProcessPack = {
  key: 'paint-job',
  businessKeyPrefix: 'PJ',
  ownerRole: 'quality-manager',
  bpmn: { file: 'paint-job.bpmn', xml: () => PAINT_JOB_XML },
};
