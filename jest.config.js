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

// The cluster suite runs only inside `npm run test:cluster` (test/cluster/run.ts), which starts the
// three-node Galera cluster it needs and names its nodes in CLUSTER_NODE_URLS; plain `npm test` leaves it out.
const cluster = process.env.CLUSTER_NODE_URLS
  ? [
      project('cluster', ['<rootDir>/test/cluster'], {
        setupFilesAfterEnv: ['<rootDir>/test/cluster/support/healthy-cluster.ts'],
      }),
    ]
  : [];

module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    project('unit', ['<rootDir>/test/unit']),
    project('integration', ['<rootDir>/test/integration']),
    project('reliability', ['<rootDir>/test/reliability']),
    ...cluster,
  ],
};
