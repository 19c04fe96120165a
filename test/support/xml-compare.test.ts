import { expect } from 'chai';
import { compareXml, describeDifference, xmlTree } from './xml-compare.js';

/** The comparison the interchange tests rely on: what it lets pass, and that a real change shows. */

const file = (body: string, declarations = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:a="urn:example:a"') =>
  `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions ${declarations} id="d">${body}</bpmn:definitions>`;

const differences = (before: string, after: string) => compareXml(xmlTree(before), xmlTree(after)).map(describeDifference);

const SHAPES = '<bpmndi:BPMNShape id="s1" bpmnElement="t1"><dc:Bounds x="10.0" y="20" width="100" height="80" /></bpmndi:BPMNShape><bpmndi:BPMNShape id="s2" bpmnElement="t2" />';
const EDGE = '<bpmndi:BPMNEdge id="e1"><di:waypoint x="1" y="2" /><di:waypoint x="3" y="4" /></bpmndi:BPMNEdge>';

describe('XML comparison of two BPMN files (test/support/xml-compare.ts)', () => {
  it('sees no difference in prefixes, the order of elements with ids, or a number written 10.0 or 10', () => {
    const before = file(`<bpmn:process id="p"><bpmn:task id="t1" a:level="1" /><bpmn:task id="t2" /></bpmn:process><bpmndi:BPMNDiagram id="g"><bpmndi:BPMNPlane id="pl">${SHAPES}${EDGE}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`);
    const after = file(
      `<m:process id="p"><m:task id="t2" /><m:task id="t1" x:level="1" /></m:process><bpmndi:BPMNDiagram id="g"><bpmndi:BPMNPlane id="pl">${EDGE}${SHAPES.replace('x="10.0"', 'x="10"')}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`,
      'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:m="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:x="urn:example:a"',
    );
    expect(differences(before, after)).to.deep.equal([]);
  });

  it('shows a moved bound, waypoints in another order, an attribute in another namespace, a lost reference and changed text', () => {
    const before = file(`<bpmn:process id="p"><bpmn:task id="t1" a:level="1"><bpmn:documentation>Check</bpmn:documentation></bpmn:task><bpmn:messageFlow id="m" messageRef="msg" /></bpmn:process><bpmndi:BPMNDiagram id="g"><bpmndi:BPMNPlane id="pl">${SHAPES}${EDGE}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`);
    const after = file(
      `<bpmn:process id="p"><bpmn:task id="t1" b:level="1"><bpmn:documentation>Check it</bpmn:documentation></bpmn:task><bpmn:messageFlow id="m" /></bpmn:process><bpmndi:BPMNDiagram id="g"><bpmndi:BPMNPlane id="pl">${SHAPES.replace('x="10.0"', 'x="10.5"')}${EDGE.replace('<di:waypoint x="1" y="2" /><di:waypoint x="3" y="4" />', '<di:waypoint x="3" y="4" /><di:waypoint x="1" y="2" />')}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`,
      'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:b="urn:example:b"',
    );
    expect(differences(before, after)).to.have.members([
      'attribute lost: bpmn:process#p > bpmn:task#t1 a:level "1"',
      'attribute added: bpmn:process#p > bpmn:task#t1 b:level "1"',
      'text changed: bpmn:task#t1 > bpmn:documentation: "Check" → "Check it"',
      'attribute lost: bpmn:process#p > bpmn:messageFlow#m messageRef "msg"',
      'attribute changed: bpmndi:BPMNShape#s1 > dc:Bounds x: "10.0" → "10.5"',
      'attribute changed: bpmndi:BPMNEdge#e1 > di:waypoint x: "1" → "3"',
      'attribute changed: bpmndi:BPMNEdge#e1 > di:waypoint y: "2" → "4"',
      'attribute changed: bpmndi:BPMNEdge#e1 > di:waypoint x: "3" → "1"',
      'attribute changed: bpmndi:BPMNEdge#e1 > di:waypoint y: "4" → "2"',
    ]);
  });
});
