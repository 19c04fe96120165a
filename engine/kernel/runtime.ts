import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import serializer, { TypeResolver } from 'moddle-context-serializer';
import { parseBpmnXml, type ModdleContext } from './bpmn/parse.js';
import { MAX_OPEN_ITERATIONS, validateDefinition, type ProcessSpec } from './bpmn/validate.js';
import { InvalidDefinitionError, type FieldError } from './errors.js';
import { ExpressionError, hasExpression, resolveTemplate, type ExpressionScope } from './expressions.js';
import type { DefinitionRecord, IterationResult } from './model.js';
import type { LinkedStartRequest, RecordReader, ServiceRegistry } from './services.js';
import { imsflowElements } from './safe-elements.js';

/**
 * The seam between imsflow and bpmn-engine. An engine lives for one step only: build it from the saved
 * state, apply one action, run until every branch waits (or the process ends or fails), read the
 * result, drop it. Nothing of an instance stays in memory between events.
 */

/** A definition ready to run: parsed once per version and cached, since parsing dominates a step's cost. */
export interface CompiledDefinition {
  record: DefinitionRecord;
  spec: ProcessSpec;
  sourceContext: unknown;
}

export async function compileDefinition(record: DefinitionRecord, services: ServiceRegistry): Promise<CompiledDefinition> {
  const context = await parseBpmnXml(record.xml);
  // a deployed version was checked against the packs' field types then; its records stay readable without them
  const { spec, problems } = validateDefinition(context, { services: services.names(), fieldTypes: 'any' });
  if (!spec || problems.length) throw new InvalidDefinitionError(problems);
  return { record, spec, sourceContext: buildSourceContext(context) };
}

/** Serializes a parsed definition for bpmn-engine, resolving element types to imsflow's safe set. */
export function buildSourceContext(context: ModdleContext): unknown {
  return serializer(context as any, TypeResolver(imsflowElements));
}

export type StepAction =
  | { type: 'start'; variables: Record<string, unknown> }
  | { type: 'signal'; elementId: string; executionId: string; data: Record<string, unknown> }
  | { type: 'fireTimer'; executionId: string }
  /** Resume and let the engine re-evaluate; used when retrying an incident whose action already happened. */
  | { type: 'resume' };

export interface WaitingTask {
  elementId: string;
  executionId: string;
  /** The collection element of a multi-instance iteration. */
  item?: unknown;
  /** The iteration's index in the collection (multi-instance only). */
  index?: number;
}

export interface ArmedTimer {
  elementId: string;
  executionId: string;
  timerType?: string;
  /** The resolved ISO 8601 duration, date or cycle. */
  value?: string;
  /** What the engine computed from the wall clock; a fallback when there is no value. */
  delayMs: number;
}

export interface StepResult {
  outcome: 'waiting' | 'completed' | 'failed';
  /** Saved engine state without the BPMN source; null when the process ended. Unchanged on failure. */
  engineState: unknown | null;
  /** Output produced during this step (completed task forms, service results), by element id. */
  output: Record<string, Record<string, unknown>>;
  waitingTasks: WaitingTask[];
  armedTimers: ArmedTimer[];
  /** For fireTimer: whether the timer was still waiting and fired. */
  timerFired: boolean;
  /** Records the step's services asked to start, linked to this one. */
  linkedStarts: (LinkedStartRequest & { elementId: string })[];
  error?: { message: string; elementId?: string };
}

export interface StepContext {
  instanceId: string;
  businessKey: string;
  site?: string;
  services: ServiceRegistry;
  records: RecordReader;
  now: () => Date;
  /** A pack's gapless numbers (ServiceContext.nextNumber). */
  nextNumber?: (sequence: string) => Promise<number>;
  /** Longest a step may take to reach a wait state (services included). */
  timeoutMs?: number;
}

/**
 * Scripts never run: validation rejects script tasks and script conditions, and should one slip through,
 * no script is ever found, so bpmn-engine fails the element instead of running it.
 */
const refusingScripts = {
  register() {
    return undefined;
  },
  getScript() {
    return undefined;
  },
};

/** bpmn-engine's expression hook, replaced by the whitelisted grammar of expressions.ts. */
const safeExpressions = {
  resolveExpression(text: string, context: any) {
    const scope: ExpressionScope = {
      variables: context?.environment?.variables ?? {},
      output: context?.environment?.output ?? {},
      item: context?.content?.item,
    };
    return resolveTemplate(text, scope);
  },
  isExpression: (text: unknown) => typeof text === 'string' && /^\$\{[^}]*\}$/.test(text),
  hasExpression,
};

/** How many iterations one multi-instance task may have, all open at once when parallel (engine/kernel/bpmn/validate.ts). */
export { MAX_OPEN_ITERATIONS };

const silentLogger = () => ({ debug() {}, error() {}, warn() {} });

/** The bpmn-engine options every imsflow engine gets besides timers and extensions (the benchmark's raw baseline uses them too). */
export const engineHooks = {
  scripts: refusingScripts,
  expressions: safeExpressions,
  Logger: silentLogger,
} as const;

export async function runStep(definition: CompiledDefinition, priorState: unknown | null, action: StepAction, context: StepContext): Promise<StepResult> {
  let pending = 0;
  let ended = false;
  let failure: { message: string; elementId?: string } | undefined;
  let timerFired = false;
  let timerToFire = action.type === 'fireTimer' ? action.executionId : undefined;
  const armed = new Map<string, { timer: ArmedTimer; ref: object }>();
  const produced: Record<string, Record<string, unknown>> = {};
  const linkedStarts: StepResult['linkedStarts'] = [];

  const track = (work: () => Promise<unknown> | void) => {
    pending += 1;
    setImmediate(async () => {
      try {
        await work();
      } finally {
        pending -= 1;
      }
    });
  };

  // Timers are handed to the durable scheduler: nothing here waits on the wall clock. The timer the
  // scheduler asked to fire is completed as soon as the engine (re)arms it.
  const timers = {
    register(owner: any) {
      return {
        setTimeout(callback: (...args: unknown[]) => void, delay: number, ...args: unknown[]) {
          const ref = { owner };
          if (timerToFire && owner.executionId === timerToFire) {
            timerToFire = undefined;
            timerFired = true;
            track(() => callback(...args));
          } else {
            armed.set(owner.executionId, {
              ref,
              timer: {
                elementId: owner.id,
                executionId: owner.executionId,
                timerType: owner.timerType,
                value: owner.timerType ? owner[owner.timerType] : undefined,
                delayMs: Math.max(0, delay),
              },
            });
          }
          return ref;
        },
        clearTimeout(ref: { owner?: { executionId?: string } } | undefined) {
          const key = ref?.owner?.executionId;
          if (key && armed.get(key)?.ref === ref) armed.delete(key);
        },
      };
    },
    setTimeout() {
      throw new Error('imsflow timers are durable: use register(owner)');
    },
    clearTimeout() {},
    executing: [],
    /** The step's clock, for timer dates (engine/kernel/safe-elements.ts). */
    now: context.now,
  };

  const extensions = {
    ims(activity: any) {
      if (activity.type === 'bpmn:ServiceTask') {
        const serviceName = definition.spec.serviceTasks.get(activity.id);
        activity.behaviour.Service = function ImsService() {
          return {
            execute(_message: unknown, callback: (err: Error | null, result?: unknown) => void) {
              track(async () => {
                const service = serviceName ? context.services.get(serviceName) : undefined;
                if (!service) return callback(new Error(`service "${serviceName}" is not registered on this server`));
                try {
                  const environment = activity.environment;
                  const result = await service.run({
                    instanceId: context.instanceId,
                    businessKey: context.businessKey,
                    ...(context.site && { site: context.site }),
                    elementId: activity.id,
                    variables: structuredClone(environment.variables ?? {}),
                    output: structuredClone(environment.output ?? {}),
                    now: context.now(),
                    records: context.records,
                    nextNumber: (sequence) => (context.nextNumber ? context.nextNumber(sequence) : Promise.reject(new Error('this engine numbers nothing: no sequence store'))),
                    startLinked: (request) => linkedStarts.push({ ...structuredClone(request), elementId: activity.id }),
                  });
                  environment.output[activity.id] = result ?? {};
                  produced[activity.id] = structuredClone(result ?? {});
                  callback(null, result ?? {});
                } catch (err) {
                  callback(err as Error);
                }
              });
            },
          };
        };
      }
      if (activity.type === 'bpmn:UserTask') {
        // A multi-instance task entered again (a loop back) starts a new list of iterations.
        activity.on('enter', (api: any) => {
          if (!activity.behaviour?.loopCharacteristics || typeof api.content?.index === 'number' || !activity.environment?.output) return;
          activity.environment.output[activity.id] = [];
          produced[activity.id] = [] as unknown as Record<string, unknown>;
        });
        // A completed task's form data goes to output[taskId], where later conditions read it.
        activity.on('end', (api: any) => {
          if (activity.behaviour?.loopCharacteristics) return; // iterations are collected on signal, below
          const form = api.content?.output?.form;
          if (form && typeof form === 'object') {
            activity.environment.output[activity.id] = form;
            produced[activity.id] = structuredClone(form);
          }
        });
      }
      return undefined;
    },
  };

  const engine = new Engine({
    name: context.instanceId,
    sourceContext: definition.sourceContext as any,
    extensions: extensions as any,
    timers: timers as any,
    scripts: engineHooks.scripts as any,
    expressions: engineHooks.expressions as any,
    // bpmn-elements opens parallel multi-instance iterations in batches of 50 by default: a gap analysis of
    // 60 clauses must open every assessment at once. Above this, the rest open as earlier ones complete.
    settings: { batchSize: MAX_OPEN_ITERATIONS },
    Logger: engineHooks.Logger as any,
  });
  engine.once('end', () => {
    ended = true;
  });
  engine.once('error', (err: any) => {
    failure = describeError(err);
  });

  try {
    let execution;
    if (action.type === 'start') {
      execution = await engine.execute({ variables: structuredClone(action.variables) });
    } else {
      if (!priorState) throw new Error('the instance has no saved engine state to continue from');
      engine.recover(structuredClone(priorState));
      // A timer already overdue when the engine resumes completes at once, without being armed again
      // (bpmn-elements: timeout <= 0), so the hook above never sees it: with a real clock that is every
      // timer a scheduler fires on or after its due time. It has fired all the same.
      const listener = new EventEmitter();
      listener.on('activity.timer', (api: any) => {
        if (timerToFire && api?.content?.executionId === timerToFire && api.content.timeout <= 0) {
          timerToFire = undefined;
          timerFired = true;
        }
      });
      execution = await engine.resume({ listener } as any);
    }
    await settle();
    if (action.type === 'signal' && !failure && !ended) {
      const waiting = collectWaiting(execution).find((t) => t.executionId === action.executionId);
      if (!waiting) throw new StepRefused(`task ${action.elementId} is not waiting in this instance`);
      // A multi-instance task's output is the list of its completed iterations, by index, each with its
      // collection element: what a later service reads to see every clause assessed or every finding.
      const activity = execution.getActivityById?.(action.elementId) as any;
      if (activity?.behaviour?.loopCharacteristics && activity.environment?.output) {
        const previous = activity.environment.output[action.elementId];
        const results: IterationResult[] = Array.isArray(previous) ? previous.filter((r: IterationResult) => r.index !== waiting.index) : [];
        results.push({ index: waiting.index ?? results.length, item: structuredClone(waiting.item ?? null), data: structuredClone(action.data) });
        results.sort((a, b) => a.index - b.index);
        activity.environment.output[action.elementId] = results;
        produced[action.elementId] = structuredClone(results) as unknown as Record<string, unknown>;
      }
      execution.signal({ id: action.elementId, executionId: action.executionId, form: structuredClone(action.data) });
      await settle();
    }

    if (failure) return failed(failure);
    const result: StepResult = {
      outcome: ended ? 'completed' : 'waiting',
      engineState: ended ? null : stripSource(await engine.getState()),
      output: produced,
      waitingTasks: ended ? [] : collectWaiting(execution),
      armedTimers: ended ? [] : [...armed.values()].map((a) => a.timer),
      timerFired,
      linkedStarts,
    };
    return result;
  } catch (err) {
    if (err instanceof StepRefused) throw err;
    return failed(failure ?? describeError(err));
  }

  function failed(error: { message: string; elementId?: string }): StepResult {
    return {
      outcome: 'failed',
      engineState: priorState,
      output: {},
      waitingTasks: [],
      armedTimers: [],
      timerFired: false,
      linkedStarts: [],
      error,
    };
  }

  /** Waits until no service call or timer completion is in flight: the engine is then at rest. */
  async function settle(): Promise<void> {
    const began = Date.now();
    const deadline = began + (context.timeoutMs ?? 30_000);
    for (;;) {
      // every turn at first; after 20 ms (a service waiting on the network) every 5 ms, so a step waiting
      // out its budget does not keep a core busy
      await new Promise((resolve) => (Date.now() - began < 20 ? setImmediate(resolve) : setTimeout(resolve, 5)));
      if (failure || ended) return;
      if (pending === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (pending === 0) return;
      }
      if (Date.now() > deadline) throw new Error(`the process did not reach a wait state within ${(context.timeoutMs ?? 30_000) / 1000} s`);
    }
  }
}

/**
 * A multi-instance count decided by the start variables (`${variables.n}`, `${variables.items}`) above
 * MAX_OPEN_ITERATIONS, as a field error naming the variable; a count decided later is checked when the
 * activity starts (safe-elements.ts), and the step becomes an incident.
 */
export function iterationCountProblem(spec: ProcessSpec, variables: Record<string, unknown>): FieldError | undefined {
  for (const loop of spec.multiInstance ?? []) {
    const path = /^\$\{\s*variables((?:\.[A-Za-z_]\w*)+)\s*\}$/.exec(loop.expression)?.[1];
    if (!path) continue;
    let value: unknown = variables;
    for (const name of path.slice(1).split('.')) {
      value = value && typeof value === 'object' && Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
    }
    const count = Array.isArray(value) ? value.length : typeof value === 'number' || typeof value === 'string' ? Number(value) : NaN;
    if (!(count > MAX_OPEN_ITERATIONS)) continue;
    const field = `variables${path}`;
    const what = Array.isArray(value) ? `holds ${count} items` : `is ${count}`;
    return { field, message: `${field} ${what}: it sets how many times ${loop.elementId} runs (${loop.source}), and the limit is ${MAX_OPEN_ITERATIONS}` };
  }
  return undefined;
}

/** Thrown when the action does not apply to the instance as it is; not an incident. */
export class StepRefused extends Error {
  override name = 'StepRefused';
}

/** User tasks waiting anywhere in the instance, sub-processes and multi-instance iterations included. */
function collectWaiting(execution: any): WaitingTask[] {
  const found = new Map<string, WaitingTask>();
  const visit = (api: any) => {
    if (!api) return;
    if (api.type === 'bpmn:UserTask' && api.content?.isMultiInstance !== true && api.content?.state !== 'start') {
      found.set(api.executionId, { elementId: api.id, executionId: api.executionId, ...(api.content?.item !== undefined && { item: api.content.item }) });
    }
    if (typeof api.getPostponed === 'function') {
      for (const child of api.getPostponed()) if (child !== api && child.executionId !== api.executionId) visit(child);
    }
    // A multi-instance user task waits in its iterations, which bpmn-elements lists on the task's
    // execution only (the task's own API lists none): each started iteration not yet completed waits.
    if (api.type === 'bpmn:UserTask' && api.content?.isMultiInstance === true && typeof api.owner?.execution?.getPostponed === 'function') {
      for (const child of api.owner.execution.getPostponed()) {
        if (child.executionId === api.executionId || child.content?.isMultiInstance !== true || typeof child.content?.index !== 'number') continue;
        found.set(child.executionId, { elementId: child.id, executionId: child.executionId, index: child.content.index, ...(child.content?.item !== undefined && { item: child.content.item }) });
      }
    }
  };
  for (const api of execution.getPostponed()) visit(api);
  return [...found.values()];
}

function stripSource(state: any): unknown {
  for (const definition of state.definitions ?? []) delete definition.source;
  return state;
}

function describeError(err: any): { message: string; elementId?: string } {
  const inner = err?.inner ?? err;
  const message = inner instanceof ExpressionError ? `expression refused: ${inner.message}` : String(inner?.message ?? err?.message ?? err);
  const elementId = err?.source?.content?.id ?? err?.source?.id ?? undefined;
  return { message, ...(elementId && { elementId }) };
}
