import BpmnModdle from 'bpmn-moddle';
import { expect } from 'chai';
import { canonicalXml, MAX_INDENT } from '../../engine/kernel/bpmn/canonical-xml.js';
import { diffDefinitions } from '../../engine/kernel/bpmn/diff.js';
import { imsModdleDescriptor, IMS_NAMESPACE } from '../../engine/kernel/bpmn/ims-moddle.js';
import { parseBpmnXml } from '../../engine/kernel/bpmn/parse.js';
import { PRESCAN_LIMITS } from '../../engine/kernel/bpmn/prescan.js';
import { InvalidDefinitionError, TooLargeError } from '../../engine/kernel/errors.js';
import { shippedProcesses } from '../../processes/index.js';

/**
 * The review's raw XML diff compares both files written one way (engine/kernel/bpmn/canonical-xml.ts): what
 * a reviewer sees there is what the author changed, not how a tool wrote the file.
 */

const MODEL = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const DI = 'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"';

/** A small process as imsflow's own files write it: `bpmn:` prefixes, two spaces, attributes id first, `&amp;`. */
function tidy(options: { taskName?: string; target?: string; x?: number } = {}): string {
  const { taskName = 'Check the batch', target = 'done', x = 250 } = options;
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="${MODEL}" ${DI} xmlns:ims="${IMS_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://imsflow.org/test">
  <bpmn:process id="canon" name="Batch release" isExecutable="true" ims:ownerRole="quality-manager">
    <bpmn:documentation>Release a batch once QA &amp; production agree.</bpmn:documentation>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="toCheck" sourceRef="start" targetRef="check" />
    <bpmn:userTask id="check" name="${taskName}" ims:candidateRole="staff" ims:due="P5D">
      <bpmn:extensionElements>
        <ims:form>
          <ims:field key="result" label="Result (QA &amp; production)" type="select" required="true">
            <ims:option value="pass" label="Pass" />
            <ims:option value="fail" label="Fail" />
          </ims:field>
        </ims:form>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="toDone" sourceRef="check" targetRef="${target}">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${variables.result == "pass"}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toRejected" sourceRef="check" targetRef="rejected" />
    <bpmn:endEvent id="done" name="Released" />
    <bpmn:endEvent id="rejected" name="Rejected" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="canon">
      <bpmndi:BPMNShape id="check_di" bpmnElement="check">
        <dc:Bounds x="${x}" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}

/**
 * The same process as another tool writes it: BPMN as the default namespace and DI under other prefixes,
 * declarations on inner elements, attributes in another order, single quotes, four spaces and one line,
 * `&#38;` and `&#x26;` for `&`, a CDATA condition, `<a></a>` for `<a/>`, a CRLF file.
 */
function reflowed(options: { taskName?: string } = {}): string {
  const { taskName = 'Check the batch' } = options;
  return `<?xml version='1.0' encoding='utf-8'?>\r
<definitions targetNamespace='http://imsflow.org/test' id='defs' xmlns='${MODEL}' xmlns:x='http://www.w3.org/2001/XMLSchema-instance'>\r
    <process isExecutable='true' name='Batch release' id='canon' xmlns:flow='${IMS_NAMESPACE}' flow:ownerRole='quality-manager'>\r
        <documentation>\r
            Release a batch once QA &#38; production agree.\r
        </documentation>\r
        <startEvent id='start'></startEvent><sequenceFlow targetRef='check' sourceRef='start' id='toCheck'/>\r
        <userTask flow:due='P5D' flow:candidateRole='staff' name='${taskName}' id='check'>\r
            <extensionElements><flow:form><flow:field required='true' type='select' label='Result (QA &#x26; production)' key='result'>\r
                <flow:option label='Pass' value='pass'/><flow:option label='Fail' value='fail'></flow:option>\r
            </flow:field></flow:form></extensionElements>\r
        </userTask>\r
        <sequenceFlow targetRef='done' sourceRef='check' id='toDone'>\r
            <conditionExpression x:type='tFormalExpression'><![CDATA[\${variables.result == "pass"}]]></conditionExpression>\r
        </sequenceFlow>\r
        <sequenceFlow id='toRejected' targetRef='rejected' sourceRef='check'></sequenceFlow>\r
        <endEvent name='Released' id='done'/>\r
        <endEvent name="Rejected" id="rejected" />\r
    </process>\r
    <semantic:BPMNDiagram xmlns:semantic='http://www.omg.org/spec/BPMN/20100524/DI' id='diagram'>\r
        <semantic:BPMNPlane bpmnElement='canon' id='plane'>\r
            <semantic:BPMNShape bpmnElement='check' id='check_di'>\r
                <omgdc:Bounds xmlns:omgdc='http://www.omg.org/spec/DD/20100524/DC' height='80' width='100' y='80' x='250'/>\r
            </semantic:BPMNShape>\r
        </semantic:BPMNPlane>\r
    </semantic:BPMNDiagram>\r
</definitions>`;
}

async function diff(before: string, after: string) {
  return diffDefinitions({ context: await parseBpmnXml(before), xml: before }, { context: await parseBpmnXml(after), xml: after }, { before: 'canon v1', after: 'canon draft r1' });
}

/** The changed lines of a unified diff, without its headers. */
function changedLines(patch: string): string[] {
  return patch.split('\n').filter((line) => /^[-+]/.test(line) && !/^(---|\+\+\+) /.test(line));
}

describe('the raw XML diff over a canonical serialization', function () {
  it('shows nothing when another tool wrote the same process: namespaces, attribute order, quotes, escapes, CDATA, indentation', async () => {
    expect(canonicalXml(reflowed())).to.equal(canonicalXml(tidy()));
    const result = await diff(tidy(), reflowed());
    expect(result.xmlDiff).to.equal('');
    expect(result.fields).to.deep.equal([]);
    // (the element list still comes from bpmn-js-differ, which calls the process "changed" for its documentation's
    // surrounding whitespace and the task for its form's attribute order: not this diff's to fix)
  });

  it('writes `&` one way however it was escaped, in text and in attributes', () => {
    const spelled = (amp: string) => `<definitions xmlns="${MODEL}" id="d"><process id="p" name="QA ${amp} production"><documentation>QA ${amp} production</documentation></process></definitions>`;
    const forms = ['&amp;', '&#38;', '&#x26;'].map((amp) => canonicalXml(spelled(amp)));
    expect(forms[1]).to.equal(forms[0]);
    expect(forms[2]).to.equal(forms[0]);
    expect(forms[0]).to.include('<bpmn:process id="p" name="QA &amp; production">');
    expect(forms[0]).to.include('<bpmn:documentation>QA &amp; production</bpmn:documentation>');
  });

  it('is the form imsflow writes its own files in: one prefix per namespace, declared once on the root', () => {
    const canonical = canonicalXml(reflowed());
    expect(canonical.split('\n').slice(0, 2)).to.deep.equal([
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<bpmn:definitions xmlns:bpmn="${MODEL}" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:ims="${IMS_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://imsflow.org/test">`,
    ]);
    expect(canonical).to.include('    <bpmn:userTask id="check" name="Check the batch" ims:candidateRole="staff" ims:due="P5D">\n');
    expect(canonical).to.include('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${variables.result == "pass"}</bpmn:conditionExpression>');
    expect(canonical).to.include('        <dc:Bounds height="80" width="100" x="250" y="80" />\n');
    expect(canonical).not.to.match(/xmlns(:\w+)?="[^"]*"[^\n]*\n[\s\S]*xmlns/); // declarations on the first element only
  });

  it('shows a renamed task as exactly that line, even when the new file was also written by another tool', async () => {
    const result = await diff(tidy(), reflowed({ taskName: 'Check the batch record' }));
    expect(result.xmlDiff).to.include('--- canon v1\n+++ canon draft r1\n');
    expect(changedLines(result.xmlDiff)).to.deep.equal([
      '-    <bpmn:userTask id="check" name="Check the batch" ims:candidateRole="staff" ims:due="P5D">',
      '+    <bpmn:userTask id="check" name="Check the batch record" ims:candidateRole="staff" ims:due="P5D">',
    ]);
    expect(result.fields).to.deep.equal([{ element: 'check', field: 'name', old: 'Check the batch', new: 'Check the batch record' }]);
  });

  it('shows a flow led to another end, and a shape moved on the diagram, as exactly those lines', async () => {
    const redirected = await diff(tidy(), tidy({ target: 'rejected' }));
    expect(changedLines(redirected.xmlDiff)).to.deep.equal([
      '-    <bpmn:sequenceFlow id="toDone" sourceRef="check" targetRef="done">',
      '+    <bpmn:sequenceFlow id="toDone" sourceRef="check" targetRef="rejected">',
    ]);
    const moved = await diff(tidy(), tidy({ x: 400 }));
    expect(changedLines(moved.xmlDiff)).to.deep.equal(['-        <dc:Bounds height="80" width="100" x="250" y="80" />', '+        <dc:Bounds height="80" width="100" x="400" y="80" />']);
    expect(moved.elements).to.deep.equal([{ id: 'check', type: 'userTask', name: 'Check the batch', change: 'moved' }]);
  });

  it('reads attributes as bpmn-moddle does: BPMN defaults left out, an attribute in the namespace of its element unprefixed', () => {
    const loop = (attributes: string) => canonicalXml(`<definitions xmlns="${MODEL}" xmlns:ims="${IMS_NAMESPACE}" id="d"><process id="p"><userTask id="t"><multiInstanceLoopCharacteristics ${attributes} /><extensionElements><ims:form><ims:field key="k" ims:requiredWhen="a=b" /></ims:form></extensionElements></userTask></process></definitions>`);
    expect(loop('isSequential="false" ims:collection="actions"')).to.equal(loop('ims:collection="actions"'));
    expect(loop('ims:collection="actions"')).to.include('<ims:field key="k" requiredWhen="a=b" />');
    expect(loop('isSequential="true"')).to.include('<bpmn:multiInstanceLoopCharacteristics isSequential="true" />');
    // BPMN's schema puts <documentation> and <extensionElements> first; other children keep their order
    const task = (children: string) => canonicalXml(`<definitions xmlns="${MODEL}" id="d"><process id="p"><userTask id="t">${children}</userTask></process></definitions>`);
    const [documentation, extensions, loopTag, incoming] = ['<documentation>Why</documentation>', '<extensionElements />', '<standardLoopCharacteristics />', '<incoming>f</incoming>'];
    expect(task(loopTag + extensions + incoming + documentation)).to.equal(task(documentation + extensions + loopTag + incoming));
    expect(task(incoming + loopTag)).not.to.equal(task(loopTag + incoming));
  });

  it('keeps what an attribute value holds: a newline given as &#10; is not a space, a literal one is', () => {
    const value = (written: string) => canonicalXml(`<definitions xmlns="${MODEL}" id="d"><process id="p" name="${written}" /></definitions>`);
    expect(value('two&#10;lines')).to.include('name="two&#10;lines"');
    expect(value('two\nlines')).to.include('name="two lines"');
    expect(value('&lt;b&gt; &quot;quoted&quot; &apos;x&apos;')).to.include(`name="&lt;b&gt; &quot;quoted&quot; 'x'"`);
    expect(value('emoji &#x1F600;')).to.include('name="emoji \u{1F600}"');
  });

  it('round-trips every shipped process: unchanged by a second pass, and by a save through bpmn-moddle as the modeler saves', async () => {
    const processes = shippedProcesses();
    expect(processes.length).to.be.greaterThan(5);
    const moddle = new BpmnModdle({ ims: imsModdleDescriptor });
    for (const { file, xml } of processes) {
      const canonical = canonicalXml(xml);
      expect(canonicalXml(canonical), file).to.equal(canonical);
      const { xml: saved } = await moddle.toXML((await parseBpmnXml(xml)).rootElement, { format: true });
      expect(changedLines(diffDefinitions({ context: await parseBpmnXml(xml), xml }, { context: await parseBpmnXml(saved), xml: saved }).xmlDiff), file).to.deep.equal([]);
    }
  });

  it('refuses hostile input before reading it, with the parse limits (prescan.ts first)', () => {
    const many = `<definitions xmlns="${MODEL}" id="d"><process id="p">${'<task />'.repeat(PRESCAN_LIMITS.maxXmlElements)}</process></definitions>`;
    let started = Date.now();
    expect(() => canonicalXml(many)).to.throw(TooLargeError);
    expect(Date.now() - started).to.be.below(1_000);
    expect(() => canonicalXml('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>')).to.throw(InvalidDefinitionError, /DOCTYPE/);
    expect(() => canonicalXml('x'.repeat(3 * 1024 * 1024))).to.throw(TooLargeError);
    expect(() => canonicalXml(`<definitions xmlns="${MODEL}"><process id="p"></definitions>`)).to.throw(InvalidDefinitionError, /not well-formed/);
    expect(() => canonicalXml(`<definitions xmlns="${MODEL}"><foo:process /></definitions>`)).to.throw(InvalidDefinitionError, /prefix "foo"/);

    // within the limits: deep nesting and a file of comments stay linear, and indentation stops growing
    const depth = PRESCAN_LIMITS.maxXmlElements - 10;
    const deep = `<definitions xmlns="${MODEL}">${'<a xmlns:n="urn:n">'.repeat(depth)}${'</a>'.repeat(depth)}</definitions>`;
    started = Date.now();
    const nested = canonicalXml(deep);
    expect(Date.now() - started).to.be.below(3_000);
    expect(Math.max(...nested.split('\n').map((line) => line.length))).to.be.below(2 * MAX_INDENT + 100);
    const comments = `<definitions xmlns="${MODEL}"><process id="p">${'<!---->'.repeat(250_000)}</process></definitions>`;
    started = Date.now();
    expect(canonicalXml(comments).length).to.be.below(comments.length * 2);
    expect(Date.now() - started).to.be.below(3_000);
  });

  it('shows every line of a large change, and says so instead where two files differ too much to compare in its budget', async () => {
    const tasks = (count: number, name: string) =>
      `<definitions xmlns="${MODEL}" xmlns:ims="${IMS_NAMESPACE}" id="d"><process id="p" isExecutable="true">${Array.from({ length: count }, (_, i) => `<userTask id="t${i}" name="${name} ${i}" ims:candidateRole="staff" />`).join('')}</process></definitions>`;
    const large = await diff(tasks(300, 'Check'), tasks(300, 'Sign'));
    expect(changedLines(large.xmlDiff)).to.have.length(600);
    expect(changedLines(large.xmlDiff)).to.include('+    <bpmn:userTask id="t299" name="Sign 299" ims:candidateRole="staff" />');
    const started = Date.now();
    const huge = await diff(tasks(4_000, 'Check'), tasks(4_000, 'Sign'));
    expect(Date.now() - started).to.be.below(15_000);
    expect(huge.xmlDiff).to.equal('--- canon v1\n+++ canon draft r1\n(the two files differ in too many lines to show here: the changed elements and fields above say what changed)\n');
    expect(huge.fields).to.have.length(4_000);
  });
});
