import type { Catalogue } from './features/catalogue/index.js';
import type { DemoChapter } from './features/demo/index.js';
import type { PackFigure } from './features/dashboard/index.js';
import type { PackFieldType } from './kernel/field-types.js';
import type { MessageSet } from './kernel/i18n/index.js';
import { ServiceRegistry } from './kernel/services.js';

/**
 * A process pack as the engine sees it: one shipped process (its folder under processes/) described by a
 * manifest. The engine never imports a pack: the entry point (api/main, workers/main, scripts) picks the
 * packs and hands them over, so engine/ knows no IMS process by name.
 */
export interface ProcessPack {
  /** The BPMN process id, also the process key of its versions (`capa`, `nonconformity` …). */
  key: string;
  /** The `ims:businessKeyPrefix` its records' business keys start with (`CAPA` → `CAPA-2026-0001`). */
  businessKeyPrefix: string;
  /** The `ims:ownerRole` that owns the process. */
  ownerRole: string;
  /** Its BPMN: the file name (as logged at deploy) and a loader for the XML. */
  bpmn: { file: string; xml(): string };
  /** Registers the services its service tasks call (`ims:service="…"`); absent when it calls none. */
  services?: (registry: ServiceRegistry, deps: PackServiceDeps) => void;
  /** Its piece of the demo story (`npm run demo`, engine/features/demo/story.ts); a pack without one is skipped. */
  demo?: DemoChapter;
  /** What its records contribute to the dashboard (processes/<key>/figures.ts): projections, sections, lists. */
  figures?: PackFigure[];
  /**
   * Its words in every language (processes/<key>/locales/<language>/<key>.json: process, step, field and
   * option names by element id), so the BPMN stays one file; absent: shown as authored.
   */
  messages?: MessageSet;
  /** The start-form fields that name one of its records, first found wins ("title", "area"): its title on every page. */
  titleFields?: string[];
  /**
   * The form-field types it brings (`document`): any pack's BPMN may use them in an ims:field's `type`
   * while this pack is handed over; forms offer, check and show their values through them.
   */
  fieldTypes?: PackFieldType[];
}

export type { FieldChoice, FieldTypeContext, FieldTypeReader, PackFieldType } from './kernel/field-types.js';

/** What a pack's services may need from their surroundings. */
export interface PackServiceDeps {
  /** The clause catalogue (gap analysis scope, audit checklists). */
  catalogue: Catalogue;
}

/**
 * The services of the packs handed over, in one registry: the API process, the workers and the demo build
 * theirs from the same packs, so a shipped BPMN naming a service none of them registers is refused.
 */
export function registerPackServices(packs: readonly ProcessPack[], deps: PackServiceDeps, registry: ServiceRegistry = new ServiceRegistry()): ServiceRegistry {
  for (const pack of packs) pack.services?.(registry, deps);
  return registry;
}

/** The figures of the packs handed over, in the packs' order. */
export function packFigures(packs: readonly ProcessPack[]): PackFigure[] {
  return packs.flatMap((pack) => pack.figures ?? []);
}

/** The form-field types of the packs handed over, in the packs' order. */
export function packFieldTypes(packs: readonly ProcessPack[]): PackFieldType[] {
  return packs.flatMap((pack) => pack.fieldTypes ?? []);
}
