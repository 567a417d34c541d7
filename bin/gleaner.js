#!/usr/bin/env node
// Runs the TypeScript sources through tsx: nothing to build on the user's side.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
const code = await main(process.argv);
if (code !== 0 || !process.argv.slice(2).some((a) => ['serve', 'worker', 'demo-site'].includes(a))) process.exit(code);
