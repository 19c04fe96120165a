/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { expect } from 'chai';
import { render } from 'preact-render-to-string';
import type { RecordList } from '../../engine/features/dashboard/index.js';
import { MessageCatalogue, onMessageProblem, readerFor, type MessageProblem } from '../../engine/kernel/i18n/index.js';
import { RecordListPage, type RecordListState } from '../../api/pages/dashboard/RecordListPage.js';
import { PAGE_MESSAGES, ReaderProvider } from '../../api/pages/reader.js';

/**
 * The lists behind the shipped packs' figures are titled and worded by the page in the reader's language
 * (the packs title them in English): audit findings by clause and grade, gap analyses by standard.
 */

const catalogue = new MessageCatalogue([PAGE_MESSAGES]);

function page(list: RecordList, drill: RecordListState['drill'], locale: string): string {
  const state: RecordListState = {
    viewer: { user: { id: 'sara', email: 'sara@example.com', name: 'Sara Steering', roles: ['steering-committee'], sites: ['basel'] } as RecordListState['viewer']['user'] },
    list,
    drill,
    query: new URLSearchParams({ figure: drill.figure }),
    filters: new URLSearchParams(),
    limit: 1000,
    asOf: '2026-05-04T08:00:00.000Z',
    names: new Map(),
    instances: new Map(),
    tasks: new Map(),
    titleFields: {},
  };
  return render(
    <ReaderProvider reader={readerFor(catalogue, locale, 'Europe/Zurich')}>
      <RecordListPage state={state} />
    </ReaderProvider>,
  );
}

const text = (html: string) => html.replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ');

describe('drill-down lists of the shipped packs, in the reader’s language', () => {
  const findings: RecordList = {
    title: 'Audit findings against 8.5.1 (major)',
    columns: [
      { key: 'businessKey', label: 'Audit' },
      { key: 'auditStartedAt', label: 'Audit opened' },
      { key: 'clause', label: 'Clause' },
      { key: 'grade', label: 'Grade' },
    ],
    items: [{ instanceId: 'i1', businessKey: 'IA-2026-0001', auditStartedAt: '2026-04-01T07:00:00.000Z', clause: '8.5.1', grade: 'major' }],
  };

  it('titles audit findings by clause and grade, and says the grade in words', () => {
    const problems: MessageProblem[] = [];
    const restore = onMessageProblem((p) => problems.push(p));
    try {
      const german = text(page(findings, { figure: 'findings', clause: 'c-8-5-1', grade: 'major' }, 'de-CH'));
      expect(german).to.include(' Auditfeststellungen zu 8.5.1 (Schwerwiegend) ');
      expect(german).to.include('Einstufung').and.include('Schwerwiegend').and.include('01.04.2026, 09:00');
      const french = text(page(findings, { figure: 'findings' }, 'fr-FR'));
      expect(french).to.include('Constats d’audit relatifs à 8.5.1').and.include('Majeur');
      const english = text(page(findings, { figure: 'findings', grade: 'major' }, 'en-GB'));
      expect(english).to.include('Audit findings against 8.5.1 (Major)');
    } finally {
      restore();
    }
    expect(problems).to.deep.equal([]);
  });

  it('titles the gap analyses counted for a standard', () => {
    const gaps: RecordList = { title: 'Gap analyses counted for ISO 9001', columns: [{ key: 'businessKey', label: 'Gap analysis' }, { key: 'signedOff', label: 'Signed off' }], items: [{ instanceId: 'g1', businessKey: 'GA-2026-0001', signedOff: true }] };
    expect(text(page(gaps, { figure: 'gap', standard: '9001' }, 'de-CH'))).to.include('Für ISO 9001 gezählte Gap-Analysen').and.include('Freigegeben').and.include('ja');
    expect(text(page(gaps, { figure: 'gap', standard: '9001' }, 'fr-FR'))).to.include('Analyses des écarts comptées pour l’ISO 9001').and.include('oui');
  });
});
