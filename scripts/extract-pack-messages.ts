import { mkdirSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packBpmn, processesDir } from '../processes/locate.js';
import { packMessagesFromBpmn } from './pack-messages.js';

/**
 * `npx tsx scripts/extract-pack-messages.ts [pack…]`: writes each pack's English catalogue,
 * processes/<pack>/locales/en/<pack>.json, from its BPMN (the names, labels and options people see; see
 * scripts/pack-messages.ts). Run it after changing a shipped BPMN, then translate the new or changed ids in
 * de/ and fr/: test/processes/pack-messages.test.ts fails while the English and the BPMN differ, and
 * test/kernel/i18n.test.ts while a language lacks an id.
 */
const packs = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(processesDir()).filter((key) => existsSync(join(processesDir(), key, `${key}.bpmn`)));
for (const key of packs) {
  const messages = await packMessagesFromBpmn(key, packBpmn(key).xml());
  const dir = join(processesDir(), key, 'locales', 'en');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${key}.json`), `${JSON.stringify(messages, null, 2)}\n`);
  console.log(`${key}: ${Object.keys(messages).length} messages`);
}
