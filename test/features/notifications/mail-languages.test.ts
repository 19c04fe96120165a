import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { onMessageProblem, parseSiteDefaults, type MessageProblem } from '../../../engine/kernel/i18n/index.js';
import type { ExtensionRequest, NoticeKind, TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import { digestContent, MailReaders, renderMail, renderNotice, type DigestFacts } from '../../../engine/features/notifications/index.js';
import { shippedPacks } from '../../../processes/index.js';
import { http } from '../../support/http.js';
import { signInOperator } from '../../support/operator.js';
import { TestSmtpServer } from '../../support/smtp.js';

/**
 * Every email kind in English, German and French, for the recipient's language and clock: no message
 * missing or broken, no id, key, template or ISO timestamp in sight, and the HTML and plain-text parts
 * telling the same facts.
 */

const DUE = '2026-05-09T07:00:00.000Z'; // 09:00 in Zurich (summer time), 07:00 in UTC
const mail = new MailReaders({ defaults: { locale: 'en-GB', timeZone: 'UTC', sites: parseSiteDefaults('basel=de-CH Europe/Zurich, lyon=fr-FR Europe/Paris') }, packMessages: shippedPacks.flatMap((p) => (p.messages ? [p.messages] : [])) });

const task: TaskRecord = {
  id: '7c0e1d1e-task',
  instanceId: '4b9f-instance',
  definitionKey: 'capa',
  businessKey: 'CAPA-2026-0004',
  elementId: 'intake',
  executionId: 'intake_1',
  name: 'Record the issue',
  assignee: 'bob',
  candidateRole: 'quality-manager',
  status: 'open',
  createdAt: '2026-05-04T07:00:00.000Z',
  dueAt: DUE,
  completedBy: 'qm1',
  form: [],
  revision: 0,
};
const record = mail.titleOf(task, { businessKey: task.businessKey, variables: { title: 'Leaking valve on line 3' } });
const extension: ExtensionRequest = {
  id: 'ext-1',
  requestedBy: 'bob',
  requestedAt: '2026-05-05T07:00:00.000Z',
  fromDueAt: DUE,
  toDueAt: '2026-05-20T21:59:59.999Z',
  reason: 'The spare part arrives on 19 May.',
  status: 'approved',
  decidedBy: 'qm1',
  decidedAt: '2026-05-06T07:00:00.000Z',
  decisionReason: 'Fine, the line is contained.',
} as ExtensionRequest;

const readers: Record<'en' | 'de' | 'fr', { sites: string[] }> = { en: { sites: ['dublin'] }, de: { sites: ['basel'] }, fr: { sites: ['lyon'] } };
const KINDS: NoticeKind[] = ['assigned', 'reminder', 'due', 'overdue', 'escalation', 'completed', 'extension-requested', 'extension-decided'];

function person(language: keyof typeof readers): UserRecord {
  return { id: `u-${language}`, email: `${language}@example.com`, name: 'Ueli Meier', roles: ['quality-manager'], active: true, createdAt: task.createdAt, ...readers[language] };
}

function notice(kind: NoticeKind, recipient: UserRecord) {
  return renderNotice(kind, {
    task: kind === 'assigned' ? { ...task, assignee: undefined } : task,
    recipient,
    link: kind === 'completed' ? undefined : 'https://ims.example.com/t/abc.def',
    level: 2,
    record,
    assigneeName: 'Bob Brennan',
    completedByName: 'Quinn Quality',
    actorName: kind === 'extension-requested' ? 'Bob Brennan' : 'Quinn Quality',
    ...(kind.startsWith('extension-') && { extension }),
    reader: mail.readerOf(recipient),
  });
}

function digest(recipient: UserRecord) {
  const facts: DigestFacts = {
    reader: mail.readerOf(recipient),
    recipient,
    week: '2026-W19',
    now: new Date('2026-05-11T05:00:00Z'),
    link: 'https://ims.example.com/dashboard',
    sites: ['basel'],
    figures: {
      totals: { open: 12, overdue: 3, dueSoon: 2, escalated: 1 } as DigestFacts['figures']['totals'],
      aging: [
        { bucket: '1-7', count: 1, drill: '' },
        { bucket: '8-30', count: 1, drill: '' },
        { bucket: '31-90', count: 0, drill: '' },
        { bucket: '>90', count: 1, drill: '' },
      ],
      bySite: [{ site: 'basel', overdue: 3 } as DigestFacts['figures']['bySite'][number]],
      byProcess: [{ key: 'capa', name: 'Corrective and preventive action (CAPA)', overdue: 3 } as DigestFacts['figures']['byProcess'][number]],
    },
    oldest: [{ record: record.text, task, site: 'basel', dueAt: DUE, daysOverdue: 2, escalationLevel: 1 }],
  };
  return renderMail(digestContent(facts));
}

/** The text a person reads in the HTML part: each element's own text, entities decoded. */
function htmlTexts(html: string): string[] {
  const body = html.slice(html.indexOf('<body'));
  return body
    .split('<')
    .map((piece) => piece.slice(piece.indexOf('>') + 1))
    .map((text) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').trim())
    .filter(Boolean);
}

/** Both parts say the same: every line of the text is in the HTML (a "label: value" line as its two cells), and every HTML text is in the text. */
function expectSameFacts(rendered: { text: string; html: string }) {
  const html = htmlTexts(rendered.html);
  const all = html.join('\n');
  for (const line of rendered.text.split('\n').map((l) => l.replace(/^ {2}(- )?/, '').trim()).filter(Boolean)) {
    // a section's heading ends in a colon in the text, not in the HTML
    const raw = line.endsWith(':') && !line.includes(': ') ? line.slice(0, -1) : line;
    if (all.includes(raw)) continue;
    const at = raw.indexOf(': ');
    const [label, value] = at < 0 ? [raw, ''] : [raw.slice(0, at), raw.slice(at + 2)];
    // a link line: the HTML has the label as the link's text and the address in its href
    if (/^https?:\/\//.test(value)) {
      expect(rendered.html, raw).to.include(`href="${value}"`);
      expect(html, raw).to.include(label);
      continue;
    }
    expect(html, `the HTML lacks "${raw}"`).to.include(label);
    expect(html, `the HTML lacks "${raw}"`).to.include(value);
  }
  for (const piece of html) expect(rendered.text, `the text lacks "${piece}"`).to.include(piece.replace(/:$/, ''));
}

function expectNoRawData(rendered: { subject: string; text: string; html: string }) {
  for (const part of [rendered.subject, rendered.text, ...htmlTexts(rendered.html)]) {
    expect(part).to.not.match(/\d{4}-\d\d-\d\dT\d\d:/);
    expect(part).to.not.include('${');
    expect(part).to.not.include('{"');
    expect(part).to.not.match(/\bmail\.[a-z]/);
    expect(part).to.not.match(/\{[a-zA-Z]+[,}]/); // an ICU message shown raw
    expect(part).to.not.include('UTC');
    expect(part).to.not.include('qm1');
  }
}

describe('emails in the recipient’s language and time zone', () => {
  let problems: MessageProblem[];
  let restore: () => void;
  beforeEach(() => {
    problems = [];
    restore = onMessageProblem((p) => problems.push(p));
  });
  afterEach(() => restore());

  for (const language of ['en', 'de', 'fr'] as const) {
    for (const kind of KINDS) {
      it(`${kind} in ${language}: every message found, nothing raw, text and HTML tell the same`, () => {
        const rendered = notice(kind, person(language));
        expect(problems).to.deep.equal([]);
        expectNoRawData(rendered);
        expectSameFacts(rendered);
        expect(rendered.subject).to.include('CAPA-2026-0004 · Leaking valve on line 3');
        expect(rendered.html).to.include(`<html lang="${mail.readerOf(person(language)).locale}"`);
      });
    }
    it(`the weekly digest in ${language}: every message found, nothing raw, text and HTML tell the same`, () => {
      const rendered = digest(person(language));
      expect(problems).to.deep.equal([]);
      expectNoRawData(rendered);
      expectSameFacts(rendered);
      expect(rendered.text).to.include('CAPA-2026-0004 · Leaking valve on line 3');
    });
  }

  it('speaks German and French: the words, the step’s name from the pack, the date', () => {
    const de = notice('reminder', person('de'));
    expect(de.subject).to.equal('Erinnerung: Problem erfassen (CAPA-2026-0004 · Leaking valve on line 3) ist fällig am 09.05.2026, 09:00');
    expect(de.text).to.include('Guten Tag Ueli Meier,');
    const fr = notice('escalation', person('fr'));
    expect(fr.subject).to.match(/^Escalade \(niveau 2\) : Enregistrer le problème \(CAPA-2026-0004 · Leaking valve on line 3\) est en retard$/);
    expect(fr.text).to.include('Elle est attribuée à Bob Brennan.');
    const digestDe = digest(person('de'));
    expect(digestDe.subject).to.equal('Wochenübersicht KW 19/2026: 3 überfällig, 1 eskaliert');
    expect(digestDe.text).to.include('Korrektur- und Vorbeugungsmaßnahme (CAPA): 3');
  });

  it('shows a recipient in Europe/Zurich the due time on their clock: 07:00 UTC is 09:00', () => {
    const zurich = { ...person('en'), sites: [], timeZone: 'Europe/Zurich' };
    const inZurich = notice('reminder', zurich);
    expect(inZurich.text).to.include('This task is due 9 May 2026, 09:00.');
    expect(inZurich.text).to.not.include('07:00');
    const inUtc = notice('reminder', { ...zurich, timeZone: undefined });
    expect(inUtc.text).to.include('This task is due 9 May 2026, 07:00.');
  });

  it('shows a changed step name as authored, and reads a templated name’s values back into the translation', () => {
    const changed = notice('assigned', person('de'));
    expect(changed.subject).to.include('Problem erfassen');
    const renamed = renderNotice('assigned', { task: { ...task, name: 'Record the issue and the lot' }, recipient: person('de'), record, reader: mail.readerOf(person('de')) });
    expect(renamed.subject).to.include('Record the issue and the lot');
    const action = { ...task, elementId: 'implement', name: 'Implement action 2: Replace the seal' };
    const german = renderNotice('assigned', { task: action, recipient: person('de'), record, reader: mail.readerOf(person('de')) });
    expect(german.subject).to.include('Maßnahme 2 umsetzen: Replace the seal');
    expect(problems).to.deep.equal([]);
  });
});

describe('emails through the server: the site’s language and clock (IMSFLOW_SITES)', () => {
  it('tells a quality manager in Basel about a new nonconformity in German, due on Zurich time', async () => {
    const smtp = await new TestSmtpServer().start();
    const dir = mkdtempSync(join(tmpdir(), 'imsflow-mail-languages-'));
    const clock = new FakeClock('2026-05-04T07:00:00Z');
    const server = await startServer(
      loadConfig({ PORT: '0', IMSFLOW_DATA: dir, SMTP_URL: smtp.url, IMSFLOW_DIGEST: 'off', IMSFLOW_SITES: 'basel=de-CH Europe/Zurich', IMSFLOW_ADMIN_EMAIL: 'admin@imsflow.test', IMSFLOW_ADMIN_PASSWORD: 'correct horse battery staple' }),
      { clock, logger: pino({ level: 'silent' }) },
    );
    try {
      await signInOperator(server);
      expect((await http('PUT', `${server.url}/api/users/qm-basel`, { email: 'qm@basel.example', name: 'Ueli Meier', roles: ['quality-manager'], sites: ['basel'] })).status).to.equal(200);
      const started = await http('POST', `${server.url}/api/processes/nonconformity/instances`, { variables: { owner: 'qm-basel', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' }, site: 'basel' });
      expect(started.status).to.equal(201);
      await server.scheduler.runDue();
      await smtp.waitFor(1);
      const [email] = smtp.received.filter((e) => e.to?.[0]?.address === 'qm@basel.example');
      expect(email.subject).to.match(/^Neue Aufgabe: Bewerten und eindämmen \(NC-2026-\d{4} · Scratched vial, lot 12\)$/);
      expect(email.text).to.include('Guten Tag Ueli Meier,');
      // due five days after 07:00 UTC: 09:00 on the plant's clock
      expect(email.text).to.include('Fällig: 09.05.2026, 09:00');
      expect(email.html).to.include('<html lang="de-CH"');
    } finally {
      await server.close();
      await smtp.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
