/**
 * The `ims:` BPMN extension, as a moddle package descriptor. One descriptor serves the engine (parsing and
 * validation) and the modeler (editing), so both read and write the same attributes.
 *
 * On <process>:      ims:businessKeyPrefix="CAPA" ims:ownerRole="quality-manager"
 *                    ims:starters="staff,quality-manager" (who may start a record by hand; default the owner role;
 *                    "none": only the system starts it — a publication, a schedule, another record)
 * On <startEvent>:   <extensionElements><ims:form>… (the start form: what a person gives to start a record)
 * On <userTask>:     ims:candidateRole | ims:assignee, ims:due, ims:remindBefore, ims:remindEvery, ims:signature,
 *                    ims:notBy="report review" (separation of duties: not completed by whoever completed those tasks)
 *                    <extensionElements><ims:form><ims:field key label type required requiredWhen role><ims:option value label/>…
 *                    (ims:requiredWhen="fullCapa=no" or "status=na|gap": required when another field has one of the values;
 *                    "action2": required whenever that field is filled in; ims:role="auditor" on a person field:
 *                    the person named must hold that role; ims:siteFrom="audit1Site": and belong to the site that field gives;
 *                    ims:accept="pdf docx odt xlsx" on a file field: the kinds of file taken, told by their content;
 *                    ims:min="today" on a date field: not a date in the past)
 *                    <ims:escalation after="P3D" to="process-owner" reassign="false"/>
 * On <serviceTask>:  ims:service="registered-name"
 * On <multiInstanceLoopCharacteristics>: ims:collection="${variables.actions}" (one task per element)
 */
export const IMS_NAMESPACE = 'http://imsflow.org/schema/bpmn/ims/1.0';

export const imsModdleDescriptor = {
  name: 'IMS',
  uri: IMS_NAMESPACE,
  prefix: 'ims',
  xml: { tagAlias: 'lowerCase' },
  associations: [],
  types: [
    {
      name: 'ProcessProps',
      extends: ['bpmn:Process'],
      isAbstract: true,
      properties: [
        { name: 'businessKeyPrefix', isAttr: true, type: 'String' },
        { name: 'ownerRole', isAttr: true, type: 'String' },
        { name: 'starters', isAttr: true, type: 'String' },
      ],
    },
    {
      name: 'UserTaskProps',
      extends: ['bpmn:UserTask'],
      isAbstract: true,
      properties: [
        { name: 'candidateRole', isAttr: true, type: 'String' },
        { name: 'assignee', isAttr: true, type: 'String' },
        { name: 'due', isAttr: true, type: 'String' },
        { name: 'remindBefore', isAttr: true, type: 'String' },
        { name: 'remindEvery', isAttr: true, type: 'String' },
        { name: 'signature', isAttr: true, type: 'String' },
        { name: 'notBy', isAttr: true, type: 'String' },
      ],
    },
    {
      name: 'ServiceTaskProps',
      extends: ['bpmn:ServiceTask'],
      isAbstract: true,
      properties: [{ name: 'service', isAttr: true, type: 'String' }],
    },
    {
      name: 'LoopProps',
      extends: ['bpmn:MultiInstanceLoopCharacteristics'],
      isAbstract: true,
      properties: [
        { name: 'collection', isAttr: true, type: 'String' },
        { name: 'elementVariable', isAttr: true, type: 'String' },
      ],
    },
    {
      name: 'Form',
      superClass: ['Element'],
      properties: [{ name: 'fields', isMany: true, type: 'Field' }],
    },
    {
      name: 'Field',
      superClass: ['Element'],
      properties: [
        { name: 'key', isAttr: true, type: 'String' },
        { name: 'label', isAttr: true, type: 'String' },
        { name: 'type', isAttr: true, type: 'String' },
        { name: 'required', isAttr: true, type: 'Boolean' },
        { name: 'requiredWhen', isAttr: true, type: 'String' },
        { name: 'role', isAttr: true, type: 'String' },
        { name: 'siteFrom', isAttr: true, type: 'String' },
        { name: 'accept', isAttr: true, type: 'String' },
        { name: 'min', isAttr: true, type: 'String' },
        { name: 'options', isMany: true, type: 'Option' },
      ],
    },
    {
      name: 'Option',
      superClass: ['Element'],
      properties: [
        { name: 'value', isAttr: true, type: 'String' },
        { name: 'label', isAttr: true, type: 'String' },
      ],
    },
    {
      name: 'Escalation',
      superClass: ['Element'],
      properties: [
        { name: 'after', isAttr: true, type: 'String' },
        { name: 'to', isAttr: true, type: 'String' },
        { name: 'reassign', isAttr: true, type: 'Boolean' },
      ],
    },
  ],
};
