/** @type {import('jest').Config} */
const swc = ['@swc/jest', JSON.parse(require('node:fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'))];

const project = (displayName, roots, extra = {}) => ({
  displayName,
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': swc },
  roots,
  testMatch: ['**/*.test.ts'],
  setupFiles: ['reflect-metadata'],
  ...extra,
});

module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    project('unit', ['<rootDir>/test/unit']),
    project('integration', ['<rootDir>/test/integration']),
    project('reliability', ['<rootDir>/test/reliability']),
  ],
};
