import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../engine/boot/config.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { bpmn, fixtureBpmn } from '../helpers.js';

/**
 * The API answers definition problems in the reader's language (issue 15): a process owner at the Basel
 * site (de-CH by IMSFLOW_SITES) reads them in German, one who chose French in French, one with no
 * language of their own in English — with the same code, args and element for every client.
 */
describe('definition problems over the API, in the person’s language', () => {
  let dir: string;
  let server: RunningServer;
  const tokens: Record<string, string> = {};

  const call = async (who: string, method: string, path: string, body?: unknown, type = 'application/json') => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': type, authorization: `Bearer ${tokens[who]}`, 'accept-language': 'en-US,en;q=0.9' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-problems-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_SITES: 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin' }), { logger: pino({ level: 'silent' }) });
    const people = [
      { id: 'anna', sites: ['basel'] },
      { id: 'lea', sites: ['basel'], locale: 'fr-CH' },
      { id: 'aoife', sites: ['dublin'] },
    ];
    for (const person of people) {
      await server.imsflow.saveUser({ ...person, email: `${person.id}@example.com`, name: person.id, roles: ['process-owner'] }, 'test-setup');
      tokens[person.id] = (await server.accounts.createApiToken(person.id, 'tests', 'test-setup')).token;
    }
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a deployment with the problems in German for a person at the Basel site, in English in Dublin', async () => {
    const german = await call('anna', 'POST', '/api/definitions', fixtureBpmn('bad'), 'application/xml');
    expect(german.status).to.equal(422);
    const evil = german.json.problems.find((p: { element: string }) => p.element === 'evil');
    expect(evil.message).to.equal(
      'Skript-Aufgabe ohne Namen kann in imsflow nicht ausgeführt werden: Skript-Aufgaben sind nicht erlaubt, weil ein Skript im Diagramm mit den Rechten des Servers liefe; verwenden Sie eine Service-Aufgabe mit einem registrierten Service.',
    );
    // what a client builds its own words from stays the same
    expect(evil).to.include({ code: 'unsupported' }).and.have.nested.property('args.kind', 'script task');

    const english = await call('aoife', 'POST', '/api/definitions', fixtureBpmn('bad'), 'application/xml');
    expect(english.json.problems.find((p: { element: string }) => p.element === 'evil').message).to.match(/^A script task without a name cannot run in imsflow: script tasks are not allowed/);
  });

  it('saves a draft and answers its problems in the person’s language, the name as drawn', async () => {
    const drawn = bpmn('permit', '<startEvent id="s" name="Request" /><userTask id="check" name="Prüfung der Charge" /><endEvent id="e" /><sequenceFlow id="f1" sourceRef="s" targetRef="check" /><sequenceFlow id="f2" sourceRef="check" targetRef="e" />');
    const created = await call('anna', 'POST', '/api/drafts', { xml: drawn });
    expect(created.status).to.equal(201);
    const holder = (json: { problems: { code: string; message: string }[] }) => json.problems.find((p) => p.code === 'task-needs-holder')?.message;
    expect(holder(created.json)).to.equal('Aufgabe „Prüfung der Charge“: Niemand ist dafür zuständig. Wählen Sie eine Rolle oder eine Person.');

    const saved = await call('anna', 'PUT', `/api/drafts/${created.json.id}`, { xml: drawn, revision: created.json.revision });
    expect(saved.status).to.equal(200);
    expect(holder(saved.json)).to.equal('Aufgabe „Prüfung der Charge“: Niemand ist dafür zuständig. Wählen Sie eine Rolle oder eine Person.');

    const french = await call('lea', 'GET', `/api/drafts/${created.json.id}`);
    expect(holder(french.json)?.replace(/\u00a0/g, ' ')).to.equal('Tâche « Prüfung der Charge » : personne n’en est chargé. Choisissez un rôle ou une personne.');
    const english = await call('aoife', 'GET', `/api/drafts/${created.json.id}`);
    expect(holder(english.json)).to.equal('The task “Prüfung der Charge” needs someone to do it: choose a role or a person.');

    const submitted = await call('anna', 'POST', `/api/drafts/${created.json.id}/submit`, { revision: saved.json.revision, reason: 'new permit process', impact: 'none' });
    expect(submitted.status).to.equal(422);
    expect(submitted.json.problems.map((p: { message: string }) => p.message)).to.include('Aufgabe „Prüfung der Charge“: Niemand ist dafür zuständig. Wählen Sie eine Rolle oder eine Person.');
  });
});
