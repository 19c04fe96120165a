/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { InstanceView } from '../../../engine/process-engine.js';
import type { ValueLookups } from '../../../engine/kernel/present/index.js';
import { inputPack } from '../../presenters/management-review.js';
import { fieldLabel } from '../../presenters/record.js';
import { When } from '../components/Time.js';
import { ValueTable } from '../components/Value.js';
import { useReader } from '../reader.js';

/**
 * A management review's input pack: a heading per ISO 9001:2015 9.3.2 input, a captioned table under it
 * for what the preparation reported and for each set of figures counted from the records.
 */

function objectOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function InputPack({ instance, lookups, processNames }: { instance: InstanceView; lookups: ValueLookups; processNames: Map<string, string> }) {
  const reader = useReader();
  const { t } = reader;
  const output = instance.output ?? {};
  const prepare = instance.tasks.find((task) => task.elementId === 'prepare' && task.status === 'completed');
  const labels = new Map((prepare?.form ?? []).map((field) => [field.key, fieldLabel(reader, instance.key, 'prepare', field)]));
  const figures = objectOf(output.inputPack);
  const period = objectOf(figures.period);
  const sections = inputPack(
    { reader, lookups, fieldLabel: (key) => labels.get(key) ?? key, processName: (key) => reader.translated(`${key}.process.name`, processNames.get(key) ?? key) },
    objectOf(output.prepare),
    figures,
  );
  return (
    <section aria-labelledby="input-pack" class="ims-input-pack">
      <h3 id="input-pack">{t('mr.title')}</h3>
      {typeof figures.generatedAt === 'string' && typeof period.from === 'string' && typeof period.to === 'string' ? (
        <p class="hint">{reader.rich('mr.intro', { generated: <When iso={figures.generatedAt} />, from: reader.day(period.from), to: reader.day(period.to) })}</p>
      ) : null}
      {sections.map((section) => (
        <section key={section.input} aria-labelledby={`input-${section.input}`}>
          <h4 id={`input-${section.input}`}>{section.heading}</h4>
          {section.tables.map((table, i) => (
            <ValueTable key={i} value={table.value} caption={table.caption} />
          ))}
        </section>
      ))}
    </section>
  );
}
