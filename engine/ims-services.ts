import type { Catalogue } from './catalogue.js';
import { registerCapaServices } from './ims/capa.js';
import { registerGapAnalysisServices } from './ims/gap-analysis.js';
import { registerInternalAuditServices } from './ims/internal-audit.js';
import { registerManagementReviewServices } from './ims/management-review.js';
import { ServiceRegistry } from './services.js';

export { riskScore, type RiskLevel } from './ims/capa.js';

/** What the IMS services need from their surroundings. */
export interface ImsServiceDeps {
  /** The clause catalogue (gap analysis scope, audit checklists). */
  catalogue: Catalogue;
}

/**
 * The services the shipped IMS processes call from their service tasks (`ims:service="…"`), one module
 * per process in `engine/ims/`. One place, used by `workers/assemble.ts`, so the API process, the workers
 * and the demo validate and run the same set: a shipped BPMN naming a service missing here is refused.
 */
export function registerImsServices(deps: ImsServiceDeps, registry: ServiceRegistry = new ServiceRegistry()): ServiceRegistry {
  registerCapaServices(registry);
  registerGapAnalysisServices(registry, deps);
  registerInternalAuditServices(registry, deps);
  registerManagementReviewServices(registry, deps);
  return registry;
}
