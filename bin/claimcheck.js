#!/usr/bin/env node
// `npx claimcheck <command>`: runs the compiled admin CLI (src/cli), compiling
// it first on a fresh checkout. After changing src/, run `npm run build`.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const entry = path.join(root, 'dist', 'src', 'cli', 'main.js');

if (!existsSync(entry)) {
  process.stderr.write('claimcheck: compiling first (npm run build)\n');
  // Compiler output goes to stderr: stdout is reserved for the command's output.
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
}

require(entry)
  .main(process.argv, process.env)
  .then((exitCode) => {
    process.exitCode = exitCode;
  });
