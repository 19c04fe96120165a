import { expect } from 'chai';
import { checkDefinition, type DefinitionProblem } from '../../engine/kernel/bpmn/lint.js';
import { problemsInLocale } from '../../engine/kernel/bpmn/problem-catalogue.js';
import { bpmn } from '../helpers.js';

/**
 * Problems in the reader's language (issue 15): the same code and args said in German for Basel and in
 * French for Lyon. Names stay as drawn; kinds, lists and durations are translated; no placeholder, id or
 * English kind word is left in the sentence.
 */
/** One problem's sentence in a locale. */
const problemIn = (problem: { message: string; code?: string; args?: Record<string, string | number | undefined> }, locale: string) => problemsInLocale([problem], locale)[0]!.message;

const flow = (id: string, from: string, to: string, condition?: string) =>
  `<sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}">${condition ? `<conditionExpression>${condition}</conditionExpression>` : ''}</sequenceFlow>`;

/** French puts no-break spaces before “:” and inside « »: compare on plain spaces. */
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');

const DRAWING = bpmn(
  'p',
  `<startEvent id="StartEvent_1" name="Deviation found" /><userTask id="Activity_0381m78" name="Assess and contain" ims:due="P14D" ims:remindBefore="P20D" />
   <intermediateThrowEvent id="Event_1x2"><compensateEventDefinition /></intermediateThrowEvent>
   <boundaryEvent id="Event_b" attachedToRef="Activity_0381m78"><messageEventDefinition /></boundaryEvent>
   <scriptTask id="Activity_s" name="Compute risk" />
   <exclusiveGateway id="Gateway_0k" name="Contained?" /><endEvent id="Event_end" name="Closed" /><endEvent id="Event_again" name="Escalated" /><endEvent id="Event_3" />
   ${flow('Flow_1', 'StartEvent_1', 'Activity_0381m78')}${flow('Flow_2', 'Activity_0381m78', 'Event_1x2')}${flow('Flow_3', 'Event_1x2', 'Activity_s')}${flow('Flow_3b', 'Activity_s', 'Gateway_0k')}
   ${flow('Flow_4', 'Gateway_0k', 'Event_end', '${output.Activity_0381m78.ok == true}')}${flow('Flow_5', 'Gateway_0k', 'Event_again')}${flow('Flow_6', 'Gateway_0k', 'Event_3')}`,
);

describe('problems in the reader’s language (engine/kernel/bpmn/problem-language.ts, problem-catalogue.ts)', () => {
  let problems: DefinitionProblem[];
  const byCode = (code: string) => problems.find((p) => p.code === code)!;
  before(async () => {
    problems = (await checkDefinition(DRAWING, { services: new Set() })).problems;
  });

  it('says a task without a holder in German and French, keeping the name as drawn', () => {
    const holder = byCode('task-needs-holder');
    expect(problemIn(holder, 'de-CH')).to.equal('Aufgabe „Assess and contain“: Niemand ist dafür zuständig. Wählen Sie eine Rolle oder eine Person.');
    expect(plain(problemIn(holder, 'fr-FR'))).to.equal('Tâche « Assess and contain » : personne n’en est chargé. Choisissez un rôle ou une personne.');
    // English readers get the message as it was made
    expect(problemIn(holder, 'en-IE')).to.equal(holder.message);
  });

  it('translates element kinds with their trigger, and what imsflow advises instead', () => {
    expect(problemIn(byCode('trigger-not-supported'), 'de-CH')).to.equal(
      'Auslösendes Kompensations-Zwischenereignis ohne Namen wird nicht unterstützt: auslösende Zwischenereignisse müssen einfach sein.',
    );
    expect(plain(problemIn(byCode('unsupported'), 'fr-CH'))).to.equal(
      'Tâche de script « Compute risk » ne peut pas s’exécuter dans imsflow : les tâches de script ne sont pas autorisées, car un script dans un diagramme s’exécuterait avec les droits du serveur ; utilisez une tâche de service avec un service enregistré.',
    );
  });

  it('names flows by their ends and lists them in the reader’s language', () => {
    const split = byCode('split-needs-conditions');
    expect(split.message).to.include('missing on the flow from “Contained?” to “Escalated” and the flow from “Contained?” to an end event');
    expect(problemIn(split, 'de-CH')).to.include('es fehlt bei: Sequenzfluss von „Contained?“ nach „Escalated“ und Sequenzfluss von „Contained?“ nach Endereignis ohne Namen.');
    expect(plain(problemIn(split, 'fr-FR'))).to.include('il en manque sur : flux de séquence de « Contained? » à « Escalated » et flux de séquence de « Contained? » à événement de fin sans nom.');
  });

  it('says durations in the reader’s language', () => {
    const reminder = byCode('reminder-after-opening');
    expect(problemIn(reminder, 'de-CH')).to.match(/^Aufgabe „Assess and contain“ würde 20 Tage vor dem Fälligkeitsdatum erinnern, das aber schon 14 Tage nach dem Öffnen erreicht ist\./);
    expect(plain(problemIn(reminder, 'fr-FR'))).to.match(/enverrait un rappel 20 jours avant une échéance atteinte seulement 14 jours après son ouverture\./);
  });

  it('leaves no placeholder, id or English kind in any German or French sentence', () => {
    expect(problems.length).to.be.greaterThan(6);
    for (const locale of ['de-CH', 'fr-FR']) {
      for (const problem of problemsInLocale(problems, locale)) {
        expect(problem.message, `${locale} ${problem.code}`).not.to.match(/[{}]|Activity_|Event_|Gateway_|Flow_|undefined|\b(the|task|flow|event|without a name)\b/);
        expect(problem.message, `${locale} ${problem.code}`).to.match(/^[A-ZÄÖÜÉÈÀ].*\.$/s);
        expect(problem.message, `${locale} ${problem.code}`).to.include.oneOf(['Assess and contain', 'Compute risk', 'Contained?', 'Deviation found', 'ohne Namen', 'sans nom', 'Escalated', 'Closed']);
      }
    }
  });

  it('keeps a problem without a known code as it stands', () => {
    const limit = { element: 'xml', message: 'The file is larger than 2 MB.' };
    expect(problemIn(limit, 'de-CH')).to.equal('The file is larger than 2 MB.');
  });
});
