import type { CheckResult } from '../../kernel/bpmn/lint.js';
import { parseBpmnXml } from '../../kernel/bpmn/parse.js';
import { InvalidDefinitionError } from '../../kernel/errors.js';

/** Reading a process out of a BPMN file, and the blank process a new draft starts from. */

export const KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** The executable process (else the first one) of a BPMN file; throws InvalidDefinitionError when the XML does not parse. */
async function executableProcessOf(xml: string): Promise<{ id?: string; name?: string } | undefined> {
  const context = await parseBpmnXml(xml);
  const processes = ((context.rootElement.rootElements ?? []) as { $type: string; id?: string; name?: string; isExecutable?: boolean }[]).filter((e) => e.$type === 'bpmn:Process');
  return processes.find((p) => p.isExecutable) ?? processes[0];
}

/** The key and name of an imported file's process, from its check; refused when it has none or its id cannot be a key. */
export function importedProcess(checked: CheckResult): { key: string; name?: string } {
  const process = checked.process;
  if (!process?.id) throw new InvalidDefinitionError([{ element: 'definitions', message: 'the file holds no process: nothing to import' }]);
  if (!KEY.test(process.id)) throw new InvalidDefinitionError([{ element: process.id, message: 'the process id is its key in URLs: use letters, digits, "_" and "-" only (at most 64)' }]);
  return { key: process.id, name: process.name || undefined };
}

/** The executable process's name; throws InvalidDefinitionError when the XML does not parse (a save is refused then). */
export async function nameOf(xml: string): Promise<string | undefined> {
  return (await executableProcessOf(xml))?.name || undefined;
}

/** A new process: a start event and an end event, with a diagram so the modeler shows them. */
export function blankProcess(key: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:ims="http://imsflow.org/schema/bpmn/ims/1.0" id="${key}-definitions" targetNamespace="http://imsflow.org/processes">
  <bpmn:process id="${key}" name="${key}" isExecutable="true" ims:ownerRole="process-owner">
    <bpmn:startEvent id="started" name="Started">
      <bpmn:outgoing>toDone</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="toDone" sourceRef="started" targetRef="done" />
    <bpmn:endEvent id="done" name="Done">
      <bpmn:incoming>toDone</bpmn:incoming>
    </bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="${key}-diagram">
    <bpmndi:BPMNPlane id="${key}-plane" bpmnElement="${key}">
      <bpmndi:BPMNShape id="started_di" bpmnElement="started">
        <dc:Bounds x="152" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="done_di" bpmnElement="done">
        <dc:Bounds x="352" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="toDone_di" bpmnElement="toDone">
        <di:waypoint x="188" y="120" />
        <di:waypoint x="352" y="120" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}
