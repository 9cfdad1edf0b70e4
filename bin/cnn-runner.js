#!/usr/bin/env node
// The training runner: JSON-RPC 2.0 over stdio (docs/runner-protocol.md).
require('../dist/runner.js');
