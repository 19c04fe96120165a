/** The parts of bpmnlint 11 that engine/kernel/bpmn/lint.ts uses (the package ships no declarations of its own). */
declare module 'bpmnlint' {
  export interface LintReport {
    id?: string;
    message: string;
    path?: (string | number)[];
    category: 'error' | 'warn' | 'info' | 'rule-error';
  }
  export type RuleFactory = (config?: unknown) => unknown;
  export interface Resolver {
    resolveRule(pkg: string, ruleName: string): RuleFactory | undefined;
    resolveConfig(pkg: string, configName: string): unknown;
  }
  export class Linter {
    constructor(options: { config?: { extends?: string | string[]; rules?: Record<string, string | [string, unknown]> }; resolver: Resolver });
    lint(root: unknown): Promise<Record<string, LintReport[]>>;
  }
  const bpmnlint: { Linter: typeof Linter };
  export default bpmnlint;
}

/** One bpmnlint rule module: a factory of the rule. */
declare module 'bpmnlint/rules/*' {
  const factory: import('bpmnlint').RuleFactory;
  export default factory;
}
