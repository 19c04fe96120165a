import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import type { TaskRecord } from '../../engine/kernel/model.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { http } from '../support/http.js';
import { signInOperator, userWithToken } from '../support/operator.js';

/**
 * A person field on the task page, with JavaScript off: the lead auditor's list offers the auditors of
 * the audit's site by name, nobody else; a person deactivated while the form was open is refused when it is
 * sent, the form coming back with the sentence under the field and nothing completed.
 */

const PASSWORD = 'a long enough passphrase for tests';

describe('person fields on the task page, walked in Chromium with JavaScript off', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  const api = (path: string) => `${server.url}/api${path}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-person-fields-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_SITES: 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin' }), {
      clock: new FakeClock('2026-05-04T07:00:00Z'),
      logger: pino({ level: 'silent' }),
    });
    await signInOperator(server);
    for (const user of [
      { id: 'lena', name: 'Lena Lead', roles: ['auditor'], sites: ['dublin'] },
      { id: 'dora', name: 'Dora Doyle', roles: ['auditor'], sites: ['dublin'] },
      { id: 'basil', name: 'Basil Berger', roles: ['auditor'], sites: ['basel'] },
      { id: 'sam', name: 'Sam Staff', roles: ['staff'], sites: ['dublin'] },
    ]) {
      await server.imsflow.saveUser({ ...user, email: `${user.id}@example.com` }, 'test-setup');
      await server.accounts.setPassword(user.id, PASSWORD, 'test-setup', 'person field walk');
    }
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('offers only the auditors of the site as lead auditor, and refuses one deactivated meanwhile, naming the field', async () => {
    // a quality manager of Dublin plans the audit from its start form
    const quality = await userWithToken(server, { id: 'quinn', name: 'Quinn Quality', roles: ['quality-manager'], sites: ['dublin'] });
    const started = await http('POST', api('/processes/internal-audit/instances'), { variables: { area: 'Goods receipt', leadAuditor: 'lena' }, site: 'dublin' }, { 'content-type': 'application/json', authorization: `Bearer ${quality}` });
    expect(started.status, started.text).to.equal(201);
    const [plan] = (await http('GET', api(`/tasks?instance=${started.json.id}&status=open`))).json.items as TaskRecord[];

    for (const width of [390, 1280]) {
      const { page } = await chrome.newPage({ javaScriptEnabled: false, viewport: { width, height: 900 } });
      await page.goto(`${server.url}/login?next=/tasks/${plan.id}`);
      await page.getByLabel('Email').fill('lena@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([page.waitForURL((url) => url.pathname === `/tasks/${plan.id}`), page.locator('main button[type=submit]').click()]);

      const lead = page.locator('#f-leadAuditor');
      const offered = (await lead.locator('option').allTextContents()).slice(1);
      // auditors of Dublin by name: not the staff member, not Basel's auditor, not the operator (an administrator, no auditor)
      expect(offered).to.deep.equal(['Dora Doyle', 'Lena Lead']);
      // the auditee may be anyone of the site
      expect((await page.locator('#f-auditee').locator('option').allTextContents()).slice(1)).to.include.members(['Sam Staff', 'Lena Lead']);
      if (width === 390) {
        await screenshot(page, 'person field lead auditor 390');
        continue;
      }
      await screenshot(page, 'person field lead auditor 1280');

      await page.locator('#f-area').fill('Warehouse');
      await page.locator('#f-auditee').selectOption({ label: 'Sam Staff' });
      await page.locator('#f-scope').fill('Goods-in and dispatch, both shifts.');
      await page.locator('input[name=criteria][value="9001:8.4"]').check();
      await lead.selectOption({ label: 'Dora Doyle' });
      await page.locator('#f-auditDate').fill('2026-05-20');
      await page.locator('#f-method').selectOption('on-site');
      // Dora leaves while the form is open
      await server.imsflow.saveUser({ id: 'dora', email: 'dora@example.com', name: 'Dora Doyle', roles: ['auditor'], sites: ['dublin'], active: false }, 'operator');
      await page.getByRole('button', { name: 'Complete task' }).click();
      await page.waitForLoadState();
      expect(await page.locator('main').textContent()).to.include('Lead auditor: Dora Doyle is no longer active');
      await screenshot(page, 'person field refused 1280');
      const open = (await http('GET', api(`/tasks?instance=${started.json.id}&status=open`))).json.items as TaskRecord[];
      expect(open.map((t) => t.id)).to.deep.equal([plan.id]);
      // Dora is no longer offered
      expect((await page.locator('#f-leadAuditor').locator('option').allTextContents()).slice(1)).to.deep.equal(['Lena Lead']);
    }
  });
});
