import { join } from 'node:path';
import { type Catalogue, loadCatalogue, type ServiceRegistry } from '../engine/pack-kit.js';
import { registerPackServices, type PackServiceDeps, type ProcessPack } from '../engine/packs.js';
import { auditProgrammePack } from './audit-programme/pack.js';
import { capaPack } from './capa/pack.js';
import { changeRequestPack } from './change-request/pack.js';
import { complaintPack } from './complaint/pack.js';
import { deviationPack } from './deviation/pack.js';
import { documentControlPack } from './document-control/pack.js';
import { ehsIncidentPack } from './ehs-incident/pack.js';
import { gapAnalysisPack } from './gap-analysis/pack.js';
import { internalAuditPack } from './internal-audit/pack.js';
import { processesDir } from './locate.js';
import { managementReviewPack } from './management-review/pack.js';
import { nonconformityPack } from './nonconformity/pack.js';
import { trainingAcknowledgementPack } from './training-acknowledgement/pack.js';

export { processesDir } from './locate.js';
export { riskScore, type RiskLevel } from './capa/services.js';

/**
 * Every shipped process pack, one line each (processes/<key>/pack.ts). The entry points hand these to
 * the assembly; adding a process means adding its folder and a line here.
 */
export const shippedPacks: readonly ProcessPack[] = [
  auditProgrammePack,
  capaPack,
  changeRequestPack,
  complaintPack,
  deviationPack,
  documentControlPack,
  ehsIncidentPack,
  gapAnalysisPack,
  internalAuditPack,
  managementReviewPack,
  nonconformityPack,
  trainingAcknowledgementPack,
];

/** Every shipped process, as BPMN XML with its file name, in file-name order (the order they deploy in). */
export function shippedProcesses(packs: readonly ProcessPack[] = shippedPacks): { file: string; xml: string }[] {
  return [...packs].sort((a, b) => (a.bpmn.file < b.bpmn.file ? -1 : 1)).map((pack) => ({ file: pack.bpmn.file, xml: pack.bpmn.xml() }));
}

/**
 * The services of the shipped packs in one registry (what `engine/ims-services.ts` offered before the
 * packs): kept for tests, bench and scripts that build an engine without the assembly.
 */
export function registerImsServices(deps: PackServiceDeps, registry?: ServiceRegistry): ServiceRegistry {
  return registerPackServices(shippedPacks, deps, registry);
}

/** The clause catalogue folder: `ims-clauses.v1.json` and the site's `extensions/*.json`. */
export function catalogueDir(): string {
  return join(processesDir(), 'catalogue');
}

let catalogue: Catalogue | undefined;

/** The shipped clause catalogue with this installation's extensions, loaded once and kept. */
export function shippedCatalogue(): Catalogue {
  catalogue ??= loadCatalogue(catalogueDir());
  return catalogue;
}
