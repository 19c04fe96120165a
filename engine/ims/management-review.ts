import type { ImsServiceDeps } from '../ims-services.js';
import type { ServiceRegistry } from '../services.js';

/** The services of the management review (processes/management-review.bpmn). */
export function registerManagementReviewServices(registry: ServiceRegistry, deps: ImsServiceDeps): void {
  void registry;
  void deps;
}
