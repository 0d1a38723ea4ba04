// ESLint for the whole repository: typescript-eslint's type-checked rules (as the VS Code
// extension samples use) plus no-floating-promises, and @stylistic as the one format tool.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test-results/**', 'media/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './tsconfig.scripts.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    plugins: { '@stylistic': stylistic },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // tsc reports undefined names in every file linted here (TypeScript, and the .mjs through checkJs).
      'no-undef': 'off',
      // `_name` marks a binding kept on purpose: a rest sibling dropped from a copy, an unused parameter.
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        caughtErrorsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_',
        ignoreRestSiblings: true,
      }],
    },
  },
  {
    // The scripted Prompter (a test double) implements the Prompter's async methods with answers at
    // hand; they stay `async` so an unexpected question rejects, as the real prompter's would, rather
    // than throwing synchronously into the extension.
    files: ['test/integration/helpers.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain JavaScript (build, test and bench scripts; the guide scripts a workspace receives): tsc
    // checks it (tsconfig.scripts.json, checkJs) but without type annotations much of it is `any`,
    // so the no-unsafe-* rules would flag every value; no-floating-promises and the rest still apply.
    files: ['**/*.mjs', '**/*.cjs'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // CommonJS files: require() is their import.
    files: ['**/*.cjs'],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  stylistic.configs.customize({
    indent: 2,
    quotes: 'single',
    semi: true,
    commaDangle: 'always-multiline',
    braceStyle: '1tbs',
    arrowParens: true,
  }),
  {
    rules: {
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'avoidEscape' }],
      // Conditionals are laid out by hand (flat chains of `: test ? value`, or offset branches): not checked.
      '@stylistic/indent': ['error', 2, {
        ArrayExpression: 1,
        CallExpression: { arguments: 1 },
        FunctionDeclaration: { body: 1, parameters: 1, returnType: 1 },
        FunctionExpression: { body: 1, parameters: 1, returnType: 1 },
        ignoreComments: false,
        ignoredNodes: ['TSUnionType', 'TSIntersectionType', 'ConditionalExpression', 'ConditionalExpression ArrayExpression', 'ConditionalExpression ArrayExpression > *'],
        ImportDeclaration: 1,
        MemberExpression: 1,
        ObjectExpression: 1,
        outerIIFEBody: 1,
        SwitchCase: 1,
        VariableDeclarator: 1,
      }],
      '@stylistic/quote-props': ['error', 'as-needed'],
      '@stylistic/list-style': 'off',
      '@stylistic/max-statements-per-line': 'off',
      '@stylistic/multiline-ternary': 'off',
      '@stylistic/operator-linebreak': ['error', 'after', { overrides: { '?': 'before', ':': 'before', '|': 'before', '&': 'before', '??': 'before' } }],
      '@stylistic/indent-binary-ops': 'off',
      // Off: the long lines are user-facing messages and signatures; ~140 would rewrap ~100 lines for no reader's gain.
      '@stylistic/max-len': 'off',
    },
  },
);
