import tseslint from 'typescript-eslint';
import { layering } from './tools/lint/layering.js';

const CORE = ['src/lib/**/*.ts', 'src/arch/**/*.ts', 'src/platform/**/*.ts', 'src/host/common/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { xenon: { rules: { layering } } },
    rules: {
      'xenon/layering': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // The CPU, devices and hypervisor core run in a browser too: no Node globals.
    files: CORE,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname', 'setImmediate'],
    },
  },
);
