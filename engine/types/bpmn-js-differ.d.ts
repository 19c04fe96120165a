declare module 'bpmn-js-differ' {
  /** What changed between two BPMN definitions read with bpmn-moddle, by element id. */
  export interface DifferResult {
    _added: Record<string, { $type: string; id?: string }>;
    _removed: Record<string, { $type: string; id?: string }>;
    _changed: Record<string, { model: { $type: string; id?: string }; attrs: Record<string, { oldValue: unknown; newValue: unknown }> }>;
    _layoutChanged: Record<string, { $type: string; id?: string }>;
  }
  export function diff(oldDefinitions: unknown, newDefinitions: unknown): DifferResult;
}
