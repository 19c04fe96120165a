import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SESSION_COOKIE } from '../../api/auth.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { colourCardPack, paintJobPack } from '../support/colour-packs.js';
import { callWithToken, http, pageText } from '../support/http.js';
import { userWithToken } from '../support/operator.js';

const PASSWORD = 'a long enough passphrase for tests';
const textOf = pageText;

/** A pack's form-field type through the server: handed over by the entry point, used by another pack's BPMN. */
describe('a pack’s form-field type over HTTP (a test-only colour pack)', () => {
  let dir: string;
  let server: RunningServer;
  let token: string;
  let recordId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-field-types-'));
    // only the two test packs: paint-job's BPMN deploys at start because colour-card brings its types
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }), packs: [colourCardPack, paintJobPack] });
    token = await userWithToken(server, { id: 'pat', name: 'Pat Painter', roles: ['staff', 'quality-manager'], sites: ['dublin'] });
    await server.accounts.setPassword('pat', PASSWORD, 'test-setup', 'field type tests');
    for (const [code, name, site] of [
      ['RAL-3020', 'Traffic red', 'dublin'],
      ['RAL-5015', 'Sky blue', 'dublin'],
      ['RAL-6018', 'Yellow green', 'basel'],
    ]) {
      await server.imsflow.start('colour-card', { variables: { code, name }, site }, 'test-setup');
    }
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signedIn = async () => ({ cookie: `${SESSION_COOKIE}=${(await server.accounts.login('pat@example.com', PASSWORD, 'test')).token}` });

  it('tells the modeler which types the packs bring, named in the reader\'s language', async () => {
    const reply = await callWithToken(server.url, token, 'GET', '/api/field-types');
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.json.items).to.deep.equal([
      { type: 'colour', label: 'Colour card', multiple: false },
      { type: 'colours', label: 'Colour cards', multiple: true },
    ]);
  });

  it('refuses a value the pack does not know with a 400 naming the field', async () => {
    const reply = await callWithToken(server.url, token, 'POST', '/api/processes/paint-job/instances', { variables: { title: 'Door', colour: 'RAL-6018' } });
    expect(reply.status, reply.text).to.equal(400);
    expect(reply.json.fields ?? reply.json.errors).to.deep.equal([{ field: 'colour', message: 'Colour names no colour card “RAL-6018” at dublin' }]);
  });

  it('starts a record with a value the pack checked, and shows it in words on the record page', async () => {
    const reply = await callWithToken(server.url, token, 'POST', '/api/processes/paint-job/instances', { variables: { title: 'Front door', colour: 'RAL-3020' } });
    expect(reply.status, reply.text).to.equal(201);
    recordId = reply.json.id;
    const page = await http('GET', `${server.url}/records/${recordId}`, undefined, await signedIn());
    expect(page.status).to.equal(200);
    const text = textOf(page.text);
    expect(text).to.include('Traffic red (colour RAL-3020)');
    expect(text).to.not.include('{').and.not.include('"code"');
  });

  it('offers the effective choices of the person’s site on the start form', async () => {
    const page = await http('GET', `${server.url}/new/paint-job`, undefined, await signedIn());
    expect(page.status).to.equal(200);
    const select = /<select[^>]*name="colour"[^>]*>([\s\S]*?)<\/select>/.exec(page.text);
    expect(select, 'the colour field is a list').to.not.equal(null);
    const options = [...select![1].matchAll(/<option value="([^"]+)"[^>]*>([^<]*)<\/option>/g)].map((m) => [m[1], m[2]]);
    // the site's cards only (Basel's yellow green is not offered to Dublin)
    expect(options).to.deep.equal([
      ['RAL-3020', 'RAL-3020 Traffic red'],
      ['RAL-5015', 'RAL-5015 Sky blue'],
    ]);
    expect(/<label[^>]*for="f-colour"/.test(page.text), 'the list has its label').to.equal(true);
  });

  it('offers a type taking several as a list where several may be picked, and keeps the picks on the task', async () => {
    const [task] = (await server.imsflow.listTasks({ instanceId: recordId, status: 'open' })) as { id: string }[];
    const page = await http('GET', `${server.url}/tasks/${task!.id}`, undefined, await signedIn());
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/<select[^>]*name="accents"[^>]*multiple/);
    const done = await callWithToken(server.url, token, 'POST', `/api/tasks/${task!.id}/complete`, { data: { accents: ['RAL-5015', 'RAL-3020'] } });
    expect(done.status, done.text).to.be.oneOf([200, 201]);
    const record = await http('GET', `${server.url}/records/${recordId}`, undefined, await signedIn());
    expect(textOf(record.text)).to.include('Sky blue (colour RAL-5015)').and.include('Traffic red (colour RAL-3020)');
  });
});
