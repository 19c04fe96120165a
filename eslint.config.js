import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import regexp from 'eslint-plugin-regexp';

/**
 * Regular expressions: every rule eslint-plugin-regexp counts as a possible error (its style rules are left
 * out), as errors. Above all no quantifiers that backtrack or move super-linearly: a pattern run on a BPMN
 * file, a form or a request must not let one upload stall the server (issue 13, finding 1). The plugin
 * cannot see every quadratic search (an unanchored prefix followed by a scan, like the old template
 * pattern), so untrusted text is scanned with indexOf where a pattern would search.
 */
const regexpErrors = Object.fromEntries(
  Object.entries(regexp.rules)
    .filter(([, rule]) => rule.meta.docs.category === 'Possible Errors' && rule.meta.docs.recommended)
    .map(([name]) => [`regexp/${name}`, 'error']),
);

/**
 * api/ never touches a store: it asks engine queries (`imsflow.queries`) and runs commands (`imsflow.commands`
 * and the ProcessEngine methods), so every entry point gets the engine's answer and its audit. `config.store` is the
 * configured kind of store, not a store. Only the entry point (api/server.ts) takes the store from the
 * assembly, to hand it to what it wires up.
 */
const STORE_MESSAGE = 'api/ never touches a store: add or use a query (imsflow.queries, engine/queries/) or a command (imsflow.commands, engine/commands/)';
const storeMemberAccess = { selector: "MemberExpression[property.name='store']:not([object.name='config'])", message: STORE_MESSAGE };
const storeDestructuring = { selector: "VariableDeclarator > ObjectPattern > Property[key.name='store']", message: STORE_MESSAGE };

// Wrapping commit made the order of wrappers matter without the types saying so (webhooks, relay). A later
// config block that sets no-restricted-syntax replaces these, so every such block spreads them again.
const COMMIT_MESSAGE = "Do not replace a store's commit: register store.beforeCommit(hook) (may add to the change, same transaction) or store.afterCommit(hook) (runs after success); see engine/ports/commit-hooks.ts.";
const commitReplacement = [
  { selector: "AssignmentExpression[left.type='MemberExpression'][left.property.name='commit']", message: COMMIT_MESSAGE },
  { selector: "AssignmentExpression[left.type='MemberExpression'][left.property.value='commit']", message: COMMIT_MESSAGE },
];

/**
 * Dependencies point inward (DESIGN.md): api/ → workers/ (the runners) → engine/; processes/ and modeler/ →
 * engine/. engine/ imports nothing above it: the entry points (api/main, workers/main, scripts, bench) pick
 * the packs and the runner and hand them to engine/boot. A pack sees the engine through its public entry
 * points only (engine/packs, engine/pack-kit, engine/features/<f>/index), so the engine's inside (store,
 * adapters, kernel) can move without touching a pack. test/import-directions.test.ts proves each rule bites.
 */
const outside = (...folders) => folders.map((folder) => `**/${folder}/**`);
/** engine/ imports nothing above it: every engine block repeats this pattern, as a later block's rule replaces an earlier one's. */
const engineImportsNothingAbove = { group: outside('api', 'workers', 'processes', 'scripts', 'bench', 'modeler', 'test'), message: 'engine/ imports nothing above it (api/, workers/, processes/, scripts/, bench/, modeler/): the entry points hand engine/boot the packs and the job runner' };

const importDirections = [
  {
    files: ['engine/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [engineImportsNothingAbove] }],
    },
  },
  {
    files: ['engine/kernel/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            engineImportsNothingAbove,
            { regex: '(^|/)(features|boot|adapters|commands|queries)/|process-engine\\.js$', message: 'the kernel knows no feature, adapter or assembly: what it needs of them is handed in (see StepEnv in step-change.ts)' },
          ],
        },
      ],
    },
  },
  {
    files: ['engine/features/*/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            engineImportsNothingAbove,
            { regex: '^\\.\\./[^./][^/]*/(?!index\\.js$)[^/]+$', message: "a feature uses another feature through its index.ts only, never its files" },
          ],
        },
      ],
    },
  },
  {
    files: ['workers/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: outside('api', 'scripts', 'bench', 'modeler', 'test'), message: 'workers/ (the job runners and the worker process) must not depend on api/, scripts/, bench/ or modeler/' }] }],
    },
  },
  {
    files: ['api/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: outside('scripts', 'bench', 'test'), message: 'api/ must not depend on scripts/, bench/ or test/' }] }],
    },
  },
  {
    files: ['processes/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: outside('api', 'workers', 'scripts', 'bench', 'modeler', 'test'), message: 'a process pack depends on the engine only' },
            {
              regex: '(^|/)engine/(?!(packs|pack-kit)\\.js$|features/[^/]+/index\\.js$)',
              message: 'a process pack uses the engine through its public entry points only: engine/pack-kit.js, engine/packs.js or engine/features/<feature>/index.js (not the store, adapters or kernel)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['modeler/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: outside('api', 'workers', 'processes', 'scripts', 'bench', 'test'), message: 'modeler/ (the browser bundles) depends on engine/ only' }] }],
    },
  },
];

/**
 * Pages are components (api/pages/**, every .ts and .tsx, and api/setup.ts, issue 15): the renderer escapes
 * every text and attribute value, so HTML is written as JSX, never as a string. Refused: a string or template
 * literal that contains a tag, `dangerouslySetInnerHTML`, and the manual escaper. api/pages/render.tsx holds
 * the one sanctioned raw piece (the doctype) and is left out. test/pages/page-lint.test.ts proves each
 * selector bites.
 */
const RAW_HTML = 'No HTML in strings in page code: write it as JSX (components in api/pages/components), which escapes every value';
const rawHtml = [
  { selector: 'TemplateElement[value.raw=/<\\/?[a-zA-Z!]/]', message: RAW_HTML },
  { selector: 'Literal[value=/<\\/?[a-zA-Z!]/]', message: RAW_HTML },
  { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'No dangerouslySetInnerHTML in page code: the renderer escapes values; build the markup as JSX' },
  { selector: "ImportDeclaration[source.value='escape-html']", message: 'No manual escaping in page code: JSX escapes every value' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'modeler/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', ...commitReplacement],
    },
  },
  {
    plugins: { regexp },
    rules: {
      ...regexpErrors,
      'regexp/no-super-linear-backtracking': ['error', { report: 'potential' }],
      'regexp/no-super-linear-move': ['error', { report: 'potential', ignorePartial: false, ignoreSticky: false }],
    },
  },
  ...importDirections,
  {
    files: ['api/**'],
    rules: { 'no-restricted-syntax': ['error', ...commitReplacement, storeMemberAccess, storeDestructuring] },
  },
  {
    files: ['api/server.ts'],
    rules: { 'no-restricted-syntax': ['error', ...commitReplacement, storeMemberAccess] },
  },
  {
    files: ['api/pages/**/*.ts', 'api/pages/**/*.tsx', 'api/setup.ts'],
    ignores: ['api/pages/render.tsx'],
    rules: { 'no-restricted-syntax': ['error', ...commitReplacement, storeMemberAccess, storeDestructuring, ...rawHtml] },
  },
  {
    // Emails are built like pages (engine/features/notifications/mail): components, no HTML in strings; the
    // doctype lives in mail/render.tsx, left out like the pages' render.tsx.
    files: ['engine/features/notifications/**/*.ts', 'engine/features/notifications/**/*.tsx'],
    ignores: ['engine/features/notifications/mail/render.tsx'],
    rules: { 'no-restricted-syntax': ['error', ...commitReplacement, ...rawHtml] },
  },
  {
    // Files small enough to read: a source file over 600 lines is split along its sections (DESIGN.md).
    files: ['engine/**/*.ts', 'engine/**/*.tsx', 'api/**/*.ts', 'api/**/*.tsx', 'workers/**/*.ts', 'processes/**/*.ts', 'modeler/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 600 }] },
  },
  {
    // Mocha loads reporters with require(): this one is CommonJS.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // chai's property assertions (`expect(x).to.be.empty`) are expressions by design.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
);
