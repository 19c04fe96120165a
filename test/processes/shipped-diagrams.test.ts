import { expect } from 'chai';
import { SESSION_COOKIE } from '../../api/auth.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { parseBpmnXml } from '../../engine/kernel/bpmn/parse.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { shippedProcesses } from '../../processes/index.js';
import { loadConfig } from '../../engine/boot/config.js';
import { useBrowser } from '../support/browser.js';
import { signInOperator } from '../support/operator.js';

/**
 * Every shipped process opens in bpmn-js, the library the modeler is built on: each one is loaded into the
 * viewer the record pages use, in real Chromium, and every flow element of the process must be drawn —
 * so a process owner who opens it to revise it sees the whole flow. The file is the deployed version
 * itself (GET /api/definitions/:key/versions/:version), as the modeler would load it.
 */

const PASSWORD = 'diagram-viewer-pass-4417';
const FLOW_ELEMENT = /^bpmn:(StartEvent|EndEvent|UserTask|ServiceTask|ExclusiveGateway|ParallelGateway|IntermediateCatchEvent|BoundaryEvent|SequenceFlow|SubProcess|Task)$/;

describe('shipped processes open in bpmn-js with every element drawn', function () {
  this.timeout(60_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-diagrams-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    await server.imsflow.saveUser({ id: 'po', email: 'po@example.com', name: 'Pat Owner', roles: ['process-owner'] }, 'test-setup');
    await server.accounts.setPassword('po', PASSWORD, 'test-setup', 'test');
  });
  let session: string | undefined;
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const { file, xml } of shippedProcesses()) {
    it(`${file}`, async () => {
      const context = await parseBpmnXml(xml);
      expect(context.warnings ?? [], 'moddle reads it without warnings').to.deep.equal([]);
      const process = (context.rootElement as any).rootElements.find((e: any) => e.$type === 'bpmn:Process');
      const elements: string[] = [];
      const walk = (container: any) => {
        for (const element of container.flowElements ?? []) {
          if (FLOW_ELEMENT.test(element.$type)) elements.push(element.id);
          walk(element);
        }
      };
      walk(process);
      expect(elements.length).to.be.above(5);

      const definition = server.imsflow.listDefinitions().then((all) => all.find((d) => d.key === process.id));
      const { key, version } = (await definition)!;
      const { context: browser, page } = await chrome.newPage();
      // one session for every diagram: the sign-in limit (10 a minute from one address) is not what is tested here
      session ??= (await server.accounts.login('po@example.com', PASSWORD, 'test')).token;
      await browser.addCookies([{ name: SESSION_COOKIE, value: session, url: server.url }]);
      const log = chrome.logOf(page);
      const pageUrl = `${server.url}/test-pages/diagram/${key}`;
      const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${key}</title><link rel="stylesheet" href="/assets/viewer.css"></head>
<body><main><div id="diagram" data-bpmn-url="/api/definitions/${key}/versions/${version}" data-active=""></div></main><script src="/assets/viewer.js" defer></script></body></html>`;
      await page.route(pageUrl, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
      await page.goto(pageUrl);
      await page.waitForSelector('#diagram[data-state="ready"], #diagram[data-state="error"]');
      expect(await page.locator('#diagram').getAttribute('data-state'), (await page.locator('#diagram').textContent()) ?? '').to.equal('ready');
      const drawn = await page.locator('#diagram svg g.djs-element[data-element-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-element-id')));
      expect(elements.filter((id) => !drawn.includes(id)), 'flow elements not drawn').to.deep.equal([]);
      expect(log.errors).to.deep.equal([]);
    });
  }
});
