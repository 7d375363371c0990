#!/usr/bin/env node
// The `kode-e2b` command; the implementation is the built `dist/cli.js` (src/cli.ts).
import '../dist/cli.js';
