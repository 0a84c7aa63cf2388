#!/usr/bin/env node
// The CLI is TypeScript compiled to dist/ by `npm ci` (the `prepare` script).
import('../dist/cli/main.js').catch((error) => {
  console.error(`hipaa-remediator: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  console.error('Run `npm ci` (or `npm run build`) first.');
  process.exit(2);
});
