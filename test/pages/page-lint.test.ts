import { expect } from 'chai';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

/**
 * Page code (every file under api/pages/, and api/setup.ts) builds HTML only as JSX, which escapes every value.
 * The ESLint rule in eslint.config.js refuses HTML in strings, dangerouslySetInnerHTML and the manual
 * escaper; each case lints a snippet as if it sat in api/pages and expects the refusal.
 */
describe('page code: no HTML in strings', () => {
  const eslint = new ESLint({ cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  const PRAGMAS = '/** @jsxRuntime automatic */\n/** @jsxImportSource preact */\n';

  async function refusals(source: string, filePath = 'api/pages/probe.tsx'): Promise<string[]> {
    const [result] = await eslint.lintText(`${PRAGMAS}${source}\n`, { filePath });
    const fatal = result!.messages.filter((m) => m.fatal);
    expect(fatal, 'the snippet parses').to.deep.equal([]);
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
  }

  const refused: [string, string, RegExp][] = [
    ['a template literal with a tag', 'export const row = (x: string) => `<p>${x}</p>`;', /No HTML in strings/],
    ['a closing tag in a template literal', 'export const end = (x: string) => `${x}</td>`;', /No HTML in strings/],
    ['a string with a tag', 'export const open = \'<div class="x">\';', /No HTML in strings/],
    ['a comment or doctype in a string', "export const doc = '<!doctype html>';", /No HTML in strings/],
    ['dangerouslySetInnerHTML', 'export const Raw = ({ x }: { x: string }) => <div dangerouslySetInnerHTML={{ __html: x }} />;', /No dangerouslySetInnerHTML/],
    ['the manual escaper', "import escapeHtml from 'escape-html';\nexport const safe = escapeHtml('x');", /No manual escaping/],
  ];
  for (const [title, source, message] of refused) {
    it(`refuses ${title}`, async () => {
      const found = await refusals(source);
      expect(found, source).to.not.be.empty;
      for (const refusal of found) expect(refusal).to.match(message);
    });
  }

  it('leaves text with a less-than sign, plain template literals and JSX alone', async () => {
    expect(await refusals("export const a = 'a < b';\nexport const due = (n: number) => `Due in ${n} days`;\nexport const P = ({ x }: { x: string }) => <p class=\"x\">{`${x} · imsflow`}</p>;")).to.deep.equal([]);
  });

  it('applies to page components, not to the one file that writes the doctype', async () => {
    expect(await refusals("export const doc = '<!doctype html>';", 'api/pages/render.tsx')).to.deep.equal([]);
    expect(await refusals("export const doc = '<!doctype html>';", 'api/pages/components/probe.tsx')).to.have.length(1);
  });

  it('applies to every file of the pages, .ts as well as .tsx, routes and helpers, and to the setup page', async () => {
    const tag = 'export const row = (x: string) => `<td>${x}</td>`;';
    for (const filePath of ['api/pages/probe.ts', 'api/pages/record/routes.ts', 'api/pages/audit-trail/probe.ts', 'api/pages/modeler/probe.ts', 'api/pages/dashboard/probe.ts', 'api/pages/account/probe.tsx', 'api/pages/favicon.ts', 'api/setup.ts']) {
      const found = await refusals(tag, filePath);
      expect(found, filePath).to.not.be.empty;
      for (const refusal of found) expect(refusal, filePath).to.match(/No HTML in strings/);
    }
  });

  it('applies to the emails (engine/features/notifications), whose doctype sits in mail/render.tsx', async () => {
    expect(await refusals('export const row = (x: string) => `<td>${x}</td>`;', 'engine/features/notifications/mail/probe.tsx')).to.not.be.empty;
    expect(await refusals("import escapeHtml from 'escape-html';\nexport const safe = escapeHtml('x');", 'engine/features/notifications/templates.ts')).to.have.length(1);
    expect(await refusals("export const doc = '<!doctype html>';", 'engine/features/notifications/mail/render.tsx')).to.deep.equal([]);
  });
});
