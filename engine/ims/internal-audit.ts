import type { ImsServiceDeps } from '../ims-services.js';
import type { ServiceRegistry } from '../services.js';

/** The services of the internal audit and the audit programme (processes/internal-audit.bpmn, processes/audit-programme.bpmn). */
export function registerInternalAuditServices(registry: ServiceRegistry, deps: ImsServiceDeps): void {
  void registry;
  void deps;
}
