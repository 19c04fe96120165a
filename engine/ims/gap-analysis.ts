import type { ImsServiceDeps } from '../ims-services.js';
import type { ServiceRegistry } from '../services.js';

/** The services of the gap analysis (processes/gap-analysis.bpmn). */
export function registerGapAnalysisServices(registry: ServiceRegistry, deps: ImsServiceDeps): void {
  void registry;
  void deps;
}
