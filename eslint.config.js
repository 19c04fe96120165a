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
 * and the Imsflow methods), so every entry point gets the engine's answer and its audit. `config.store` is the
 * configured kind of store, not a store. Only the entry point (api/server.ts) takes the store from the
 * assembly, to hand it to what it wires up.
 */
const STORE_MESSAGE = 'api/ never touches a store: add or use a query (imsflow.queries, engine/queries/) or a command (imsflow.commands, engine/commands/)';
const storeMemberAccess = { selector: "MemberExpression[property.name='store']:not([object.name='config'])", message: STORE_MESSAGE };
const storeDestructuring = { selector: "VariableDeclarator > ObjectPattern > Property[key.name='store']", message: STORE_MESSAGE };

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'modeler/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/api/**', '**/workers/**', '**/modeler/**'], message: 'engine/ must not depend on outer layers' }] }],
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
  {
    files: ['api/**', 'workers/**', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['api/**'],
    rules: { 'no-restricted-syntax': ['error', storeMemberAccess, storeDestructuring] },
  },
  {
    files: ['api/server.ts'],
    rules: { 'no-restricted-syntax': ['error', storeMemberAccess] },
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
