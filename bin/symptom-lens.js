#!/usr/bin/env node
// The headless runner: the same kernel code the VS Code controller runs.
require('../dist/cli.js').cliMain();
