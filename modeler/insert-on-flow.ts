/**
 * Room for a shape dropped on a flow (issue 15 step 13). bpmn-js splits the flow itself
 * (DropOnFlowBehavior: the flow now ends at the new shape, a new flow goes on to the old target), but it
 * leaves the shape where it was dropped: on a flow shorter than the shape, the shape covers the elements
 * at either end (bpmn-io/bpmn-js#1336, "won't fix"). After such a split on a flow that runs left to right,
 * this moves the shape clear of its source and then, as the space tool would, pushes the target and
 * everything to the right of it over until the shape fits, resizing the pool or sub-process around them.
 * It runs inside the same command, so one undo takes back the drop and the room made for it.
 */

interface Shape {
  id: string;
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  parent?: Shape;
  children?: Shape[];
  labelTarget?: Shape;
  waypoints?: unknown[];
  incoming: Flow[];
  outgoing: Flow[];
}
interface Flow {
  source: Shape;
  target: Shape;
}

/** The space left between the new shape and its neighbours, as bpmn-js's autoPlace leaves it. */
const GAP = 30;

const overlapsVertically = (a: Shape, b: Shape) => a.y < b.y + b.height && b.y < a.y + a.height;

function MakeRoomOnInsert(
  this: unknown,
  eventBus: { on(event: string, priority: number, fn: (e: { context: { shape?: Shape; shapes?: Shape[]; targetFlow?: unknown } }) => void): void },
  modeling: {
    updateWaypoints(flow: Flow, waypoints: { x: number; y: number }[]): void;
    layoutConnection(flow: Flow): void;
    moveShape(shape: Shape, delta: { x: number; y: number }): void;
    createSpace(moving: Shape[], resizing: Shape[], delta: { x: number; y: number }, direction: string, start: number): void;
  },
  elementRegistry: { filter(fn: (e: Shape) => boolean): Shape[] },
) {
  /** A flow between two shapes on one line is drawn straight; others are laid out again by bpmn-js. */
  const straighten = (flow: Flow) => {
    const [from, to] = [flow.source, flow.target];
    const y = from.y + from.height / 2;
    if (Math.abs(to.y + to.height / 2 - y) < 1 && from.x + from.width < to.x) modeling.updateWaypoints(flow, [{ x: from.x + from.width, y }, { x: to.x, y }]);
    else modeling.layoutConnection(flow);
  };

  const makeRoom = (shape: Shape | undefined) => {
    if (!shape || shape.incoming.length !== 1 || shape.outgoing.length !== 1) return;
    const source = shape.incoming[0]!.source;
    const target = shape.outgoing[0]!.target;
    if (!source || !target || target.x <= source.x + source.width) return; // only flows that run left to right

    // clear of the source
    const fromSource = source.x + source.width + GAP - shape.x;
    const needsRoom = (fromSource > 0 && overlapsVertically(shape, source)) || shape.x + shape.width + GAP > target.x;
    if (!needsRoom) return;
    if (fromSource > 0 && overlapsVertically(shape, source)) modeling.moveShape(shape, { x: fromSource, y: 0 });

    // the target and everything from it rightwards make room
    const needed = shape.x + shape.width + GAP - target.x;
    if (needed > 0) {
      const start = target.x;
      const parent = target.parent;
      const moving = elementRegistry.filter((e) => !e.waypoints && e !== shape && e.parent === parent && e.type !== 'label' && e.x >= start);
      const movingSet = new Set(moving);
      const labels = elementRegistry.filter((e) => e.type === 'label' && Boolean(e.labelTarget && movingSet.has(e.labelTarget)));
      const resizing: Shape[] = [];
      for (let around = parent; around?.parent; around = around.parent) {
        if (around.x < start && around.x + around.width > start) resizing.push(around);
      }
      modeling.createSpace([...moving, ...labels], resizing, { x: needed, y: 0 }, 'e', start);
    }
    straighten(shape.incoming[0]!);
    straighten(shape.outgoing[0]!);
  };

  // after bpmn-js's own split (priority 1000): DropOnFlowBehavior sets context.targetFlow when it splits
  eventBus.on('commandStack.shape.create.postExecuted', 500, ({ context }) => {
    if (context.targetFlow) makeRoom(context.shape);
  });
  eventBus.on('commandStack.elements.move.postExecuted', 500, ({ context }) => {
    if (context.targetFlow) makeRoom(context.shapes?.[0]);
  });
}
MakeRoomOnInsert.$inject = ['eventBus', 'modeling', 'elementRegistry'];

export const makeRoomOnInsertModule = {
  __init__: ['makeRoomOnInsert'],
  makeRoomOnInsert: ['type', MakeRoomOnInsert],
};
