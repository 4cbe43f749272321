#!/usr/bin/env -S node --
// tswarm: `tswarm daemon` runs a node; every other command is the client.
const argv = process.argv.slice(2);
const main = argv[0] === 'daemon'
  ? (await import('../dist/src/daemon/main.js')).runDaemon(argv.slice(1))
  : (await import('../dist/src/cli/main.js')).runCli(argv);
const code = await main;
if (argv[0] === "daemon" || argv[0] === "manage") process.exit(code); // stray handles must not keep a stopped daemon alive
process.exitCode = code;
