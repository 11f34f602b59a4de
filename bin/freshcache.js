#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx: no build step between a clone and a run.
'use strict';
require('tsx/cjs');
require('../src/cli/main.ts').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { console.error(e && e.stack ? e.stack : e); process.exitCode = 1; },
);
