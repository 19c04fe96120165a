/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { expect } from 'chai';
import { render } from 'preact-render-to-string';
import type { AuditEvent, FormField, TaskRecord } from '../../engine/kernel/model.js';
import { MessageCatalogue, onMessageProblem, readerFor, type MessageProblem, type Reader } from '../../engine/kernel/i18n/index.js';
import { dataChanges, HISTORY_ACTIONS, historyEntry, humanKey, showAny, showValue, type HistoryLookups } from '../../engine/kernel/present/index.js';
import { inputPack } from '../../api/presenters/management-review.js';
import { HistoryTable, sentenceText } from '../../api/pages/components/History.js';
import { ShownValue } from '../../api/pages/components/Value.js';
import { PAGE_MESSAGES, ReaderProvider } from '../../api/pages/reader.js';

/**
 * What a record looks like to a person (issue 15): values by their field's type, objects nobody described
 * as facts with words for keys, the history as one sentence per event with the data it entered, and the
 * management review's input pack as a captioned table per ISO 9001:2015 9.3.2 input. Nothing comes out as
 * a template, an ISO timestamp or JSON.
 */

const catalogue = new MessageCatalogue([PAGE_MESSAGES]);
const english = readerFor(catalogue, 'en-GB', 'Europe/Dublin');
const RAW = [/\$\{/, /\d{4}-\d\d-\d\dT\d\d:/, /\{"/, /\[object Object\]/];
const text = (html: string) => html.replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ').trim();

/** No template, ISO timestamp or JSON in what a person reads (the text; `<time datetime>` keeps the machine value). */
function noRaw(html: string): void {
  const words = text(html.replace(/<details[\s\S]*?<\/details>/g, ''));
  for (const raw of RAW) expect(words, String(raw)).to.not.match(raw);
}

const people = new Map([
  ['aoife.brennan', 'Aoife Brennan'],
  ['sean.gallagher', 'Sean Gallagher'],
]);

const assess: FormField[] = [
  { key: 'severity', label: 'Severity', type: 'select', required: true, options: [{ value: 'minor', label: 'Minor' }, { value: 'major', label: 'Major' }] },
  { key: 'actionNeeded', label: 'Corrective action needed', type: 'checkbox', required: false },
  { key: 'containment', label: 'Containment', type: 'longtext', required: true },
  { key: 'owner', label: 'Action owner', type: 'person', required: true },
  { key: 'dueOn', label: 'Act by', type: 'date', required: true },
];
const task = { id: 't1', name: 'Assess and contain', elementId: 'assess', definitionKey: 'nonconformity', form: assess } as unknown as TaskRecord;

let seq = 0;
const event = (action: string, fields: Partial<AuditEvent>): AuditEvent => ({ seq: (seq += 1), at: '2026-05-09T07:00:00.000Z', actor: 'aoife.brennan', action, target: 'instance:i1', instanceId: 'i1', prevHash: '', hash: '', ...fields });
const lookups: HistoryLookups = { personName: (id) => people.get(id), task: (id) => (id === 't1' ? task : undefined) };

function inReader(reader: Reader, node: preact.VNode): string {
  return render(<ReaderProvider reader={reader}>{node}</ReaderProvider>);
}

describe('presenting records', () => {
  let problems: MessageProblem[];
  let stop: () => void;
  beforeEach(() => {
    problems = [];
    stop = onMessageProblem((problem) => problems.push(problem));
  });
  afterEach(() => {
    stop();
    expect(problems, 'missing or broken messages').to.deep.equal([]);
  });

  it('names keys in words', () => {
    expect(['riskScore', 'action1Owner', 'due_at', 'recordsWithOverdueTasks', 'CAPAId'].map(humanKey)).to.deep.equal(['Risk score', 'Action 1 owner', 'Due at', 'Records with overdue tasks', 'CAPA id']);
  });

  it('shows values by their field type, and objects nobody described as facts and tables, never JSON', () => {
    expect(showValue(assess[0], 'major')).to.deep.equal({ kind: 'option', value: 'major', label: 'Major', field: 'severity' });
    expect(showValue(assess[1], undefined)).to.deep.equal({ kind: 'yesNo', value: false });
    expect(showValue(assess[3], 'sean.gallagher', { personName: (id) => people.get(id) })).to.deep.equal({ kind: 'person', id: 'sean.gallagher', name: 'Sean Gallagher' });
    expect(showValue(assess[4], '2026-05-09')).to.deep.equal({ kind: 'date', ymd: '2026-05-09' });
    const html = inReader(
      english,
      <ShownValue
        value={showAny({ riskScore: { score: 12, level: 'medium', computedAt: '2026-05-09T07:00:00.000Z' }, findings: [{ clause: '8.4', owner: 'aoife.brennan' }, { clause: '7.5.3', owner: 'sean.gallagher' }] }, { personName: (id) => people.get(id) })}
      />,
    );
    noRaw(html);
    expect(text(html)).to.equal('Risk score Score 12 Level medium Computed at 9 May 2026, 08:00 Findings Clause Owner 8.4 Aoife Brennan 7.5.3 Sean Gallagher');
  });

  it('a record\'s history reads as sentences, with the data entered per field and changes as before → after', () => {
    const events = [
      event('instance.started', { actor: 'sean.gallagher', new: { key: 'nonconformity', variables: { title: 'Leaking valve' } } }),
      event('task.created', { actor: 'system', target: 'task:t1', new: { name: 'Assess and contain', element: 'assess', candidateRole: 'quality-manager', dueAt: '2026-05-12T07:00:00.000Z' } }),
      event('task.completed', { target: 'task:t1', old: { status: 'open' }, new: { status: 'completed', data: { severity: 'major', actionNeeded: true, containment: 'Line 3 stopped,\nvalve replaced', owner: 'sean.gallagher', dueOn: '2026-05-20' } } }),
      event('task.due-changed', { target: 'task:t1', old: { dueAt: '2026-05-12T07:00:00.000Z' }, new: { dueAt: '2026-05-19T07:00:00.000Z' }, reason: 'waiting for the spare part' }),
      event('task.escalated', { actor: 'system', target: 'task:t1', old: { escalationLevel: 0 }, new: { escalationLevel: 1, to: 'quality-manager', notified: ['aoife.brennan'] }, reason: 'task overdue since 2026-05-12T07:00:00.000Z' }),
      event('user.updated', { target: 'user:sean.gallagher', old: { name: 'Sean Gallagher', roles: ['staff'] }, new: { name: 'Sean Gallagher', roles: ['staff', 'auditor'] } }),
      event('something.new', { new: { whatever: { nested: true } } }),
    ];
    const sentences = events.map((e) => sentenceText(english, historyEntry(e, lookups)));
    expect(sentences).to.deep.equal([
      'Sean Gallagher started the record',
      'Assess and contain was opened for the quality managers, due 12 May 2026, 08:00',
      'Aoife Brennan completed Assess and contain: Severity: Major; Corrective action needed: Yes',
      'Aoife Brennan moved the due date of Assess and contain from 12 May 2026, 08:00 to 19 May 2026, 08:00',
      'Assess and contain was escalated to level 1 (the quality managers); 1 person was told',
      'Aoife Brennan changed the directory entry of Sean Gallagher',
      'Aoife Brennan: Something new',
    ]);
    const completed = historyEntry(events[2], lookups);
    expect(completed.changes.map((c) => c.label)).to.deep.equal(['Severity', 'Corrective action needed', 'Containment', 'Action owner', 'Act by']);
    expect(historyEntry(events[4], lookups).reason, 'the engine\'s own reason is the sentence already').to.equal(undefined);
    expect(historyEntry(events[3], lookups).reason).to.equal('waiting for the spare part');
    expect(dataChanges({ roles: ['staff'] }, { roles: ['staff', 'auditor'] })).to.deep.equal([
      { key: 'roles', label: 'Roles', before: { kind: 'list', items: [{ kind: 'text', text: 'staff' }], more: 0 }, after: { kind: 'list', items: [{ kind: 'text', text: 'staff' }, { kind: 'text', text: 'auditor' }], more: 0 } },
    ]);

    const html = inReader(english, <HistoryTable events={events} names={people} caption="History of NC-2026-0001" lookups={lookups} />);
    noRaw(html);
    expect(text(html)).to.include('Aoife Brennan completed Assess and contain : Severity: Major; Corrective action needed: Yes Severity: Major Corrective action needed: Yes Containment: Line 3 stopped, valve replaced Action owner: Sean Gallagher Act by: 20 May 2026');
    expect(text(html)).to.include('Roles: staff → staff, auditor');
    expect(text(html)).to.include('Reason: waiting for the spare part');
    expect(html).to.not.include('After:');
  });

  it('has a sentence for every audit action the engine writes, in English, German and French', () => {
    for (const language of ['en-GB', 'de-CH', 'fr-FR']) {
      const reader = readerFor(catalogue, language, 'Europe/Zurich');
      for (const action of HISTORY_ACTIONS) {
        const sentence = sentenceText(reader, historyEntry(event(action, { target: 'task:t1', new: { name: 'x', notice: 'reminder', meaning: 'approved', status: 'running' }, old: { status: 'open' } }), lookups));
        expect(sentence, `${language} ${action}`).to.be.a('string').and.not.match(/\{|history\./);
      }
    }
  });

  it('the management-review pack renders as tables, one captioned set per ISO 9001:2015 9.3.2 input', () => {
    const prepare = {
      contextChanges: 'EU GMP Annex 1 in force',
      customerFeedback: 'Two complaints',
      objectivesQuality: 'RFT 97.8 %',
      processPerformance: 'OEE 71 %',
      monitoringResults: 'EM trending on target',
      externalProviders: 'Cap supplier on watch',
      resources: 'One vacancy',
      risksActions: 'Crimper lock implemented',
      improvement: 'Barcode checks everywhere',
    };
    const figures = {
      generatedAt: '2026-11-27T16:00:00.000Z',
      period: { from: '2026-05-31T00:00:00.000Z', to: '2026-11-27T16:00:00.000Z' },
      previousActions: {
        review: { businessKey: 'MR-2025-0001', status: 'completed', meetingDate: '2025-12-01' },
        actions: [{ n: 1, title: 'Hire a contractor', owner: 'sean.gallagher', due: '2026-01-31', capa: false, state: 'done' }],
        summary: { total: 1, done: 1, open: 0, overdue: 0, cancelled: 0 },
      },
      capa: { openedInPeriod: 3, openNow: 3, closedInPeriod: 0, closedEffective: 0, closedAtTriage: 0, cancelledInPeriod: 0, overdueTasks: 2, recordsWithOverdueTasks: 2, bySource: { 'audit-finding': 2 }, byRiskLevel: { 'not rated': 1 }, oldestOpen: [] },
      nonconformities: { openedInPeriod: 2, openNow: 1, closedInPeriod: 1, closedEffective: 1, closedAfterCorrection: 0, cancelledInPeriod: 0, overdueTasks: 0, recordsWithOverdueTasks: 0, bySeverity: { major: 2 }, correctiveActionNeeded: 2 },
      audits: { auditedInPeriod: 1, inProgress: 0, counts: {}, nonconformities: 2, audits: [{ businessKey: 'AUD-2026-0001', auditedOn: '2026-10-26T00:00:00.000Z', status: 'running', counts: { major: 1, minor: 1, observation: 0, ofi: 1 }, nonconformities: 2 }], nonconformingFindings: [] },
      gapCoverage: { businessKey: 'GAP-2026-0001', coverage: [{ standard: '9001', applicable: 30, conforms: 25, partial: 3, gap: 2, na: 0, conformityPct: 88.3 }] },
      overdue: { total: 2, byProcess: { capa: 2 }, oldest: [{ businessKey: 'CAPA-2026-0002', process: 'capa', task: 'Contain and correct', holder: 'sean.gallagher', dueAt: '2026-11-05T09:00:00.000Z', daysOverdue: 22 }] },
    };
    const sections = inputPack({ reader: english, lookups: { personName: (id) => people.get(id) }, fieldLabel: humanKey, processName: (key) => (key === 'capa' ? 'Corrective and preventive action' : key) }, prepare, figures);
    expect(sections.map((s) => s.input)).to.deep.equal(['a', 'b', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'd', 'e', 'f']);
    expect(sections.map((s) => s.heading.replace(/\).*/, ')'))).to.deep.equal(['a)', 'b)', 'c 1)', 'c 2)', 'c 3)', 'c 4)', 'c 5)', 'c 6)', 'c 7)', 'd)', 'e)', 'f)']);
    for (const section of sections) {
      expect(section.tables.length, section.input).to.be.above(0);
      for (const table of section.tables) {
        expect(table.caption, section.input).to.be.a('string').and.not.equal('');
        expect(table.value.kind).to.equal('table');
      }
    }
    const a = sections[0].tables[0];
    expect(a.caption).to.equal('Actions decided at MR-2025-0001 (meeting of 1 Dec 2025)');
    expect(a.value.columns.map((c) => c.label)).to.deep.equal(['Action', 'Owner', 'Due', 'State', 'CAPA']);
    const c3 = sections.find((s) => s.input === 'c3')!;
    expect(c3.tables.map((t) => t.caption)).to.deep.equal(['As reported in the preparation', '2 tasks are overdue now, by process', 'The longest overdue tasks']);
    const c4 = sections.find((s) => s.input === 'c4')!;
    expect(c4.tables.map((t) => t.caption)).to.include.members(['Corrective and preventive actions (CAPA) and nonconformities in the period', 'CAPAs opened in the period, by source', 'CAPAs opened in the period, by risk level']);

    const html = inReader(
      english,
      <>
        {sections.map((section) => (
          <section>
            <h4>{section.heading}</h4>
            {section.tables.map((t) => (
              <ShownValue value={t.value} />
            ))}
          </section>
        ))}
      </>,
    );
    noRaw(html);
    const words = text(html);
    expect(words).to.include('1. Hire a contractor Sean Gallagher 31 Jan 2026 Done');
    expect(words).to.include('Corrective and preventive action 2');
    expect(words).to.include('Audit finding 2');
    expect(words).to.include('Not rated 1');
    expect(words).to.include('AUD-2026-0001 26 Oct 2026 1 1 0 1 2');
    expect(words).to.include('ISO 9001 30 25 3 2 0 88.3%');
    expect(words).to.not.match(/sean\.gallagher|openedInPeriod|bySource|audit-finding/);

    // German: the inputs as the standard's official German version names them
    const german = inputPack({ reader: readerFor(catalogue, 'de-CH', 'Europe/Zurich'), lookups: {}, fieldLabel: humanKey, processName: (key) => key }, prepare, figures);
    expect(german.find((s) => s.input === 'c4')!.heading).to.equal('c 4) Nichtkonformitäten und Korrekturmaßnahmen');
  });
});
