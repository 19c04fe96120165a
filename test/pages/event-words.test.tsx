/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { expect } from 'chai';
import { render } from 'preact-render-to-string';
import type { FigureSection } from '../../engine/features/dashboard/index.js';
import { eventList, eventTrendsFigure, trendsOf, type EventRow } from '../../engine/features/events/index.js';
import { MessageCatalogue, onMessageProblem, readerFor, type MessageProblem } from '../../engine/kernel/i18n/index.js';
import { capaReopenedFigure } from '../../processes/capa/figures.js';
import { capaPack } from '../../processes/capa/pack.js';
import { PackSection } from '../../api/pages/dashboard/PackFigures.js';
import { RecordListPage, type RecordListState } from '../../api/pages/dashboard/RecordListPage.js';
import { inputPack } from '../../api/presenters/management-review.js';
import { PAGE_MESSAGES, ReaderProvider } from '../../api/pages/reader.js';

/**
 * The events' trends and the CAPA's "effectiveness reopened by recurrence" on the dashboard, and the
 * events in the management review's input pack, in the reader's words: cause categories by their names
 * (as the CAPA's fishbone names them), never their keys, and no English left in German or French.
 */

const catalogue = new MessageCatalogue([PAGE_MESSAGES, capaPack.messages!]);
const row = (n: number, source: string, causeCategory: string | null): EventRow => ({ instanceId: `id-${n}`, businessKey: `EV-${n}`, source, occurredAt: `2026-03-0${n}T09:00:00.000Z`, causeCategory, product: null, site: 'basel' });
const ROWS = [row(2, 'complaint', 'man'), row(3, 'complaint', 'man'), row(4, 'deviation', 'machine'), row(5, 'incident', 'environment')];
const trends = { ...trendsOf(ROWS, { from: '2026-03-01T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z' }), drill: { all: 'figure=eventRecords' } };
const trendsFigure = eventTrendsFigure([{ key: 'complaint', event: { source: 'complaint', classify: () => undefined } }])!;
const sections: FigureSection[] = [
  { section: trendsFigure.section, process: trendsFigure.process, title: trendsFigure.title, view: trendsFigure.view(trends) },
  { section: capaReopenedFigure.section, process: capaReopenedFigure.process, title: capaReopenedFigure.title, view: capaReopenedFigure.view({ reopened: 2, drill: 'figure=capaReopened' }) },
];
const text = (html: string) => html.replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ').trim();
const KEYS = /\b(man|machine|environment|eventTrends|capaReopened)\b/;

function dashboard(locale: string): string {
  return text(
    render(
      <ReaderProvider reader={readerFor(catalogue, locale, 'Europe/Zurich')}>
        {sections.map((section) => (
          <PackSection section={section} filters={new URLSearchParams()} />
        ))}
      </ReaderProvider>,
    ),
  );
}

describe('quality and EHS events in the reader’s words', () => {
  let problems: MessageProblem[];
  let stop: () => void;
  beforeEach(() => {
    problems = [];
    stop = onMessageProblem((problem) => problems.push(problem));
  });
  afterEach(() => {
    stop();
    expect(problems).to.deep.equal([]);
  });

  it('shows the dashboard’s event trends and reopened effectiveness in German, the cause categories by name', () => {
    const words = dashboard('de-CH');
    expect(words).to.include('Qualitäts- und EHS-Ereignisse nach Ursache, Produkt, Standort und Quelle');
    expect(words).to.include('Ereignisse im Zeitraum');
    expect(words).to.include('Pareto der Ereignisse nach Ursachenkategorie');
    expect(words).to.include('Ursachenkategorie Ereignisse % Kumuliert %');
    expect(words).to.include('Mensch 2 50 50');
    expect(words).to.include('Mitwelt (Umgebung) 1 25 75');
    expect(words).to.include('Maschine 1 25 100');
    expect(words).to.include('Wirksamkeit durch Wiederauftreten wieder geöffnet');
    expect(words).to.not.match(KEYS);
    expect(words).to.not.match(/Events|Cause|Effectiveness|Machine|Environment/);
  });

  it('shows them in French and English too', () => {
    const french = dashboard('fr-CH');
    expect(french).to.include('Main-d’œuvre 2');
    expect(french).to.include('Efficacité rouverte par récurrence');
    expect(french).to.not.match(KEYS);
    const english = dashboard('en-GB');
    expect(english).to.include('Man (people) 2 50 50');
    expect(english).to.include('Effectiveness reopened by recurrence');
  });

  it('lists the events behind the figure with German column names and cause categories by name', () => {
    const state: RecordListState = {
      viewer: { user: { id: 'sara', email: 'sara@example.com', name: 'Sara Steering', roles: ['steering-committee'], sites: ['basel'] } as RecordListState['viewer']['user'] },
      list: eventList(ROWS, 10),
      drill: { figure: 'eventRecords' },
      query: new URLSearchParams({ figure: 'eventRecords' }),
      filters: new URLSearchParams(),
      limit: 1000,
      asOf: '2026-03-16T08:00:00.000Z',
      names: new Map(),
      instances: new Map(),
      tasks: new Map(),
      titleFields: {},
    };
    const words = text(render(<ReaderProvider reader={readerFor(catalogue, 'de-CH', 'Europe/Zurich')}><RecordListPage state={state} /></ReaderProvider>));
    expect(words).to.include('Qualitäts- und EHS-Ereignisse');
    expect(words).to.include('Ursachenkategorie');
    expect(words).to.include('Mensch');
    expect(words).to.include('Mitwelt (Umgebung)');
    expect(words).to.not.match(/\b(man|machine|environment)\b/);
  });

  it('shows the management review’s events by cause category and by source in words', () => {
    const pack = (locale: string) => {
      const reader = readerFor(catalogue, locale, 'Europe/Zurich');
      const names: Record<string, string> = { complaint: 'Reklamation', deviation: 'Abweichung', incident: 'Vorfall' };
      const c4 = inputPack({ reader, lookups: {}, fieldLabel: (key) => key, processName: (key) => names[key] ?? key }, {}, { eventTrends: trends }).find((s) => s.input === 'c4');
      return c4?.tables ?? [];
    };
    const german = pack('de-CH');
    expect(german.map((t) => t.caption)).to.deep.equal(['Qualitäts- und EHS-Ereignisse im Zeitraum nach Ursachenkategorie', 'Qualitäts- und EHS-Ereignisse im Zeitraum nach Quelle']);
    expect(german[0].value.columns.map((c) => c.label)).to.deep.equal(['Ursachenkategorie', 'Anzahl', '%']);
    expect(german[0].value.rows).to.deep.equal([
      [{ kind: 'text', text: 'Mensch' }, { kind: 'number', value: 2 }, { kind: 'number', value: 50 }],
      [{ kind: 'text', text: 'Mitwelt (Umgebung)' }, { kind: 'number', value: 1 }, { kind: 'number', value: 25 }],
      [{ kind: 'text', text: 'Maschine' }, { kind: 'number', value: 1 }, { kind: 'number', value: 25 }],
    ]);
    expect(german[1].value.rows.map((r) => r[0])).to.deep.equal([{ kind: 'text', text: 'Reklamation' }, { kind: 'text', text: 'Abweichung' }, { kind: 'text', text: 'Vorfall' }]);
    expect(pack('en-GB')[0].value.rows[0][0]).to.deep.equal({ kind: 'text', text: 'Man (people)' });
  });
});
