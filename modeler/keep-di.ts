/**
 * A bpmn-js module that keeps diagram information bpmn-js did not draw. Before saving, bpmn-js rewrites
 * each plane's elements from what it rendered (BpmnDiOrdering), which silently drops the shapes and edges
 * of elements it could not place, such as a process drawn in a collaboration's plane without a pool
 * (MIWG B.1.0, B.2.0). This module puts those back after the reordering, so an imported file from another
 * tool saves without losing diagram information. Elements deleted in the editor are not affected: modeling
 * removes their shapes from the plane before any save.
 */

interface Plane {
  get(name: 'planeElement'): unknown[];
  set(name: 'planeElement', value: unknown[]): void;
}
interface EventBus {
  on(event: string, priority: number, fn: () => void): void;
}
interface Canvas {
  getRootElements(): { di?: Plane }[];
}

/** Higher and lower than BpmnDiOrdering's priority (2000): read before it, restore after it. */
const BEFORE = 3000;
const AFTER = 1000;

function KeepUnrenderedDi(eventBus: EventBus, canvas: Canvas): void {
  let before = new Map<Plane, unknown[]>();
  eventBus.on('saveXML.start', BEFORE, () => {
    before = new Map();
    for (const root of canvas.getRootElements()) if (root.di?.get) before.set(root.di, [...(root.di.get('planeElement') ?? [])]);
  });
  eventBus.on('saveXML.start', AFTER, () => {
    for (const [plane, elements] of before) {
      const now = plane.get('planeElement') ?? [];
      const dropped = elements.filter((element) => !now.includes(element));
      if (dropped.length) plane.set('planeElement', [...now, ...dropped]);
    }
  });
}
KeepUnrenderedDi.$inject = ['eventBus', 'canvas'];

export const keepUnrenderedDiModule = {
  __init__: ['imsKeepUnrenderedDi'],
  imsKeepUnrenderedDi: ['type', KeepUnrenderedDi],
};
