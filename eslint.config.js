import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.bench/**', 'test/**/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Layer boundaries (docs/ARCHITECTURE.md): drivers only in src/dialects, the AWS SDK only in
  // src/backup/stores, terminal libraries and the CLI only in src/cli. Dynamic import() is not checked.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/dialects/**', 'src/backup/stores/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['pg', 'pg-copy-streams', 'better-sqlite3', '@duckdb/*', '@electric-sql/*'], message: 'only src/dialects imports a database driver' },
          { group: ['@aws-sdk/*'], message: 'only src/backup/stores imports the AWS SDK' },
          { group: ['chalk', 'ora', '@inquirer/*', 'commander', '**/cli/*', '../cli', '../../cli'], message: 'core never prints or prompts: only src/cli does' },
        ],
      }],
    },
  },
  {
    files: ['src/dialects/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@aws-sdk/*'], message: 'only src/backup/stores imports the AWS SDK' },
          { group: ['chalk', 'ora', '@inquirer/*', 'commander', '**/cli/*'], message: 'core never prints or prompts: only src/cli does' },
        ],
      }],
    },
  },
  {
    files: ['src/backup/stores/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['pg', 'pg-copy-streams', 'better-sqlite3', '@duckdb/*', '@electric-sql/*'], message: 'only src/dialects imports a database driver' },
          { group: ['chalk', 'ora', '@inquirer/*', 'commander', '**/cli/*'], message: 'core never prints or prompts: only src/cli does' },
        ],
      }],
    },
  },
  // Command files do not import each other (issue #16 §3): shared rendering lives in src/cli/render/*,
  // shared migrate flags in migrate-shared.ts. index.ts is the command registry; migrate.ts composes
  // the migrate group from rollback.ts, migrate-admin.ts and migrate-diff.ts. Dynamic import() is checked too.
  ...commandImportRules(),
);

function commandImportRules() {
  const message = 'a command file must not import another command file: move what they share into src/cli/render/<what>.ts (or core)';
  const restrict = (allowed) => ({
    'no-restricted-imports': ['error', { patterns: [{ group: ['./*', ...allowed.map((a) => `!./${a}`)], message }] }],
    'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/^\\.\\/(?!(${allowed.map((a) => a.replace(/[.]/g, '\\.')).join('|')})$)/]`, message }],
  });
  return [
    { files: ['src/cli/commands/*.ts'], ignores: ['src/cli/commands/index.ts'], rules: restrict(['migrate-shared.js']) },
    { files: ['src/cli/commands/migrate.ts'], rules: restrict(['migrate-shared.js', 'rollback.js', 'migrate-admin.js', 'migrate-diff.js']) },
  ];
}
