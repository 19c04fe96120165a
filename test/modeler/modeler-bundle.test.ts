import { expect } from 'chai';
import { buildUi, bundleSizes, ENTRY_POINTS, MODELER_BUDGET_KIB, type UiBundle } from '../../modeler/build.js';

/**
 * The size budget of the modeler page (issue 6: under 800 KiB of minified JavaScript), on the bundles the
 * server builds and serves. The PDF export (jsPDF + svg2pdf.js) is a bundle of its own, loaded only when a
 * PDF is asked for, so it never counts against the editor.
 */
describe('browser bundles: the modeler page stays within its size budget', function () {
  this.timeout(120_000);
  let bundle: UiBundle;
  before(async () => {
    bundle = await buildUi();
  });

  it(`keeps the editor page's JavaScript (modeler.js) under ${MODELER_BUDGET_KIB} KiB minified`, () => {
    const kib = bundleSizes(bundle);
    console.log(`      bundle sizes (KiB): ${JSON.stringify(kib)}`);
    expect(kib['modeler.js']).to.be.a('number').and.be.below(MODELER_BUDGET_KIB);
  });

  it('builds every entry point, with jsPDF only in the PDF export bundle', () => {
    for (const name of ENTRY_POINTS) expect(bundle.files.has(`${name}.js`), name).to.equal(true);
    const inputsOf = (file: string) => Object.keys(Object.entries(bundle.metafile.outputs).find(([path]) => path.endsWith(`/${file}`))![1].inputs);
    for (const page of ['modeler.js', 'review.js', 'versions.js', 'viewer.js', 'home.js']) {
      expect(inputsOf(page).filter((input) => /node_modules\/(jspdf|svg2pdf\.js)\//.test(input)), page).to.deep.equal([]);
    }
    expect(inputsOf('pdf-export.js').some((input) => input.includes('node_modules/jspdf/'))).to.equal(true);
    // the editor runs the server's own rule set: bpmnlint and the engine's validation are in its bundle
    expect(inputsOf('modeler.js')).to.include.members(['engine/kernel/bpmn/lint.ts', 'engine/kernel/bpmn/validate.ts', 'engine/kernel/bpmn/parse.ts']);
  });

  it("bundles one preact, the copy bpmn-js's popup menus were built for, not the pages' own", () => {
    const inputs = Object.keys(bundle.metafile.inputs);
    const copies = new Set(inputs.filter((input) => input.includes('node_modules/preact/')).map((input) => input.slice(0, input.lastIndexOf('node_modules/preact/'))));
    expect([...copies]).to.deep.equal(['node_modules/@bpmn-io/diagram-js-ui/']);
  });
});
