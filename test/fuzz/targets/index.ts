import type { FuzzTarget } from '../target.js';

/** Every fuzz target by name; each loads only when run (the worker imports just its own). */
export const TARGETS: Record<string, () => Promise<FuzzTarget<never>>> = {
  bpmn: async () => (await import('./bpmn.js')).bpmnTarget as FuzzTarget<never>,
  expressions: async () => (await import('./expressions.js')).expressionsTarget as FuzzTarget<never>,
  forms: async () => (await import('./forms.js')).formsTarget as FuzzTarget<never>,
  links: async () => (await import('./links.js')).linksTarget as FuzzTarget<never>,
};
