import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import type { EmbeddedScheduler } from '../../../workers/runners/embedded/scheduler.js';
import { DAY } from '../../helpers.js';
import { callWithToken, type Reply } from '../../support/http.js';
import { userWithToken } from '../../support/operator.js';

/**
 * A document register built through the HTTP API on a fake clock, for the register's API and page tests:
 * SOP-QA-0001 released three times (1.0 and 2.0 for Dublin and Basel, 3.0 for Dublin only) a week apart,
 * a fourth revision approved but not yet effective, and WI-QA-0001 released at Basel by a Basel owner.
 */

export const PASSWORD = 'correct horse battery staple';
export const SITES = 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin';
export const PEOPLE: { id: string; name: string; roles: string[]; sites: string[]; locale?: string; timeZone?: string }[] = [
  { id: 'po-anna', name: 'Anna Owner', roles: ['process-owner'], sites: ['dublin'] },
  { id: 'po-ben', name: 'Ben Besitzer', roles: ['process-owner'], sites: ['basel'] },
  // Cara reads French, Fay German, on Zurich's clock; the others their site's language and zone
  { id: 'qm-cara', name: 'Cara Quality', roles: ['quality-manager'], sites: ['dublin', 'basel'], locale: 'fr-CH', timeZone: 'Europe/Zurich' },
  { id: 'au-fay', name: 'Fay Auditor', roles: ['auditor'], sites: ['dublin', 'basel'], locale: 'de-CH', timeZone: 'Europe/Zurich' },
  { id: 'st-dan', name: 'Dan Staff', roles: ['staff'], sites: ['dublin'] },
  { id: 'st-eve', name: 'Eve Staff', roles: ['staff'], sites: ['basel'] },
];

/** A one-page PDF saying `text` (pdf-lib), as an author would upload. */
export async function realPdf(text: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText(text, { x: 60, y: 700, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  return doc.save();
}

export const day = (at: Date): string => at.toISOString().slice(0, 10);

export interface Release {
  revision: string;
  instanceId: string;
  /** When it became effective (the clock when its timer ran). */
  effectiveAt: Date;
}

export class DocumentRegister {
  dir = mkdtempSync(join(tmpdir(), 'imsflow-doc-register-'));
  clock = new FakeClock(new Date());
  server!: RunningServer;
  tokens: Record<string, string> = {};
  releases: Release[] = [];
  pending?: { instanceId: string; effectiveDate: string };

  call(user: string, method: string, path: string, body?: unknown): Promise<Reply> {
    return callWithToken(this.server.url, this.tokens[user]!, method, path, body);
  }

  async start(): Promise<void> {
    this.server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: this.dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: SITES, IMSFLOW_DIGEST: 'off' }), { clock: this.clock, logger: pino({ level: 'silent' }) });
    for (const person of PEOPLE) {
      this.tokens[person.id] = await userWithToken(this.server, person);
      if (person.locale) await this.server.imsflow.saveUser({ ...person, email: `${person.id}@example.com` }, 'test-setup');
      await this.server.accounts.setPassword(person.id, PASSWORD, 'test-setup', 'test user');
    }
  }

  async close(): Promise<void> {
    await this.server?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async tasksOf(instanceId: string, elementId: string): Promise<TaskRecord[]> {
    return (await this.server.imsflow.store.listTasks({ instanceId, limit: 1000 })).filter((t) => t.elementId === elementId && t.status === 'open');
  }

  private async complete(user: string, task: TaskRecord, data: Record<string, unknown>, signed = false): Promise<void> {
    const reply = await this.call(user, 'POST', `/api/tasks/${task.id}/complete`, { data, ...(signed && { signature: { email: `${user}@example.com`, password: PASSWORD } }) });
    if (reply.status !== 200) throw new Error(`completing ${task.elementId} as ${user}: ${reply.status} ${reply.text}`);
  }

  /** Starts a version, uploads its PDF, has it reviewed and signed with an effective date `daysAhead` days on; returns its record id. */
  async approve(owner: string, site: string, variables: Record<string, unknown>, text: string, daysAhead: number): Promise<{ instanceId: string; effectiveDate: string }> {
    const started = await this.call(owner, 'POST', '/api/processes/document-control/instances', { variables: { revisionKind: 'major', owner, changeSummary: text, reason: 'Periodic update', reviewerRoles: 'auditor', trainingRoles: 'staff', ...variables }, site });
    if (started.status !== 201) throw new Error(`starting: ${started.status} ${started.text}`);
    const instanceId = started.json.id as string;
    const [draft] = await this.tasksOf(instanceId, 'draft');
    const response = await fetch(`${this.server.url}/api/tasks/${draft!.id}/attachments?field=file&name=${encodeURIComponent(`${text}.pdf`)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.tokens[owner]}`, 'content-type': 'application/pdf' },
      body: new Uint8Array(await realPdf(text)),
    });
    if (response.status !== 201) throw new Error(`upload: ${response.status} ${await response.text()}`);
    await this.complete(owner, draft!, { file: await response.json() });
    for (const review of await this.tasksOf(instanceId, 'review')) await this.complete('au-fay', review, { decision: 'approve', comment: `Reviewed: ${text}` });
    const [approve] = await this.tasksOf(instanceId, 'approve');
    const effectiveDate = day(new Date(this.clock.now().getTime() + daysAhead * DAY));
    await this.complete('qm-cara', approve!, { effectiveDate }, true);
    return { instanceId, effectiveDate };
  }

  /** Lets the effective date come (half an hour into it, UTC) and the timers run. */
  async reach(effectiveDate: string): Promise<Date> {
    this.clock.set(new Date(`${effectiveDate}T00:30:00.000Z`));
    await (this.server.scheduler as EmbeddedScheduler).runDue();
    return this.clock.now();
  }

  async build(): Promise<void> {
    const sop = { title: 'Cleaning and disinfection of the aseptic filling line', type: 'sop', area: 'QA' };
    let approved = await this.approve('po-anna', 'dublin', { ...sop, sites: 'dublin, basel' }, 'Cleaning 1.0', 1);
    this.releases.push({ revision: '1.0', instanceId: approved.instanceId, effectiveAt: await this.reach(approved.effectiveDate) });
    // Dan reads and understands 1.0; Eve (Basel) has yet to
    const dan = (await this.server.imsflow.store.listTasks({ limit: 1000 })).find((t) => t.definitionKey === 'training-acknowledgement' && t.assignee === 'st-dan' && t.status === 'open');
    await this.complete('st-dan', dan!, { understood: true });
    approved = await this.approve('po-anna', 'dublin', { ...sop, revises: 'SOP-QA-0001', sites: 'dublin, basel' }, 'Cleaning 2.0', 7);
    this.releases.push({ revision: '2.0', instanceId: approved.instanceId, effectiveAt: await this.reach(approved.effectiveDate) });
    approved = await this.approve('po-anna', 'dublin', { ...sop, revises: 'SOP-QA-0001', sites: 'dublin' }, 'Cleaning 3.0', 7);
    this.releases.push({ revision: '3.0', instanceId: approved.instanceId, effectiveAt: await this.reach(approved.effectiveDate) });
    const wi = await this.approve('po-ben', 'basel', { title: 'Line clearance of the packaging line', type: 'work-instruction', area: 'QA', sites: 'basel' }, 'Line clearance 1.0', 1);
    await this.reach(wi.effectiveDate);
    this.pending = await this.approve('po-anna', 'dublin', { ...sop, revises: 'SOP-QA-0001', sites: 'dublin' }, 'Cleaning 4.0', 30);
    this.clock.advance(DAY);
  }
}
