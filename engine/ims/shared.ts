import type { IterationResult } from '../model.js';
import type { ServiceContext } from '../services.js';

/** What the shipped IMS processes' services share: reading task output the way forms store it. */

/** A user task's or service's output (`output.<elementId>`), or `{}` when there is none yet. */
export function outputOf(context: Pick<ServiceContext, 'output'>, elementId: string): Record<string, unknown> {
  const data = context.output[elementId];
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/** The completed iterations of a multi-instance user task (`output.<elementId>`), by index. */
export function iterationsOf(context: Pick<ServiceContext, 'output'>, elementId: string): IterationResult[] {
  const data = context.output[elementId];
  return Array.isArray(data) ? (data as IterationResult[]) : [];
}

/** A form value as trimmed text ('' when absent). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}
