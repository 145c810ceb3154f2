// Lint configuration: typescript-eslint's recommended rules over the whole repo.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.orchestral/**', 'coverage/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The CLI reaches the engine through the package's entry points (src/index.ts, src/stores/*,
    // src/inspect, src/testing), like any user: never the store adapters, the machines, the fold's
    // xstate plumbing or the runner's internals directly.
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@statelyai/inspect', message: 'use orchestral/inspect (src/inspect/index.ts)' }],
          patterns: [
            { group: ['**/store/sqlite/**', '**/store/postgres/**', '**/store/kurrentdb/**', '**/store/in-memory/**'], message: 'store adapters: import src/stores/<kind>.ts or use openEventStore' },
            { group: ['**/machines/*', '!**/cli/**'], message: 'machines: use machineExports() of src/index.ts' },
            { group: ['**/history/**'], message: 'history internals: import src/history.ts (orchestral/history) or src/index.ts' },
            { group: ['**/runtime/thread-runner.ts', '**/runtime/draft.ts', '**/runtime/effects.ts', '**/runtime/mailbox.ts', '**/runtime/follow-log.ts', '**/ownership/sqlite-leases.ts', '**/ownership/postgres-leases.ts', '**/inspect/inspection-events.ts', '**/inspect/ws-inspector.ts', '**/inspect/inspect-thread.ts', '**/testing/*.ts', '!**/testing/index.ts'], message: 'runtime internals: import the public entry (src/index.ts, src/inspect/index.ts, src/testing/index.ts)' },
          ],
        },
      ],
    },
  },
  {
    files: ['console/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
