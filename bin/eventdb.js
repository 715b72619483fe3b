#!/usr/bin/env node
// Before anything else: on an unsupported Node.js, one clear line instead of a syntax or module error.
if (Number(process.versions.node.split('.')[0]) < 20) {
  process.stderr.write(`error: eventdb needs Node.js 20 or later (24 recommended; 20 is deprecated); this is Node.js ${process.versions.node}\nhint: install Node.js 24 LTS (or 22)\n`);
  process.exit(2);
}
if (process.env.EVENTDB_TRACE === '1') performance.mark('eventdb:bin'); // printed at exit (src/cli/trace.ts)
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // `eventdb --version` alone: the version, as the CLI prints it, without loading the CLI (commander,
  // every command's options; #18). Anything else, --version among other arguments too, goes through it.
  import('../dist/version.js').then((m) => process.stdout.write(`${m.VERSION}\n`));
} else {
  // Node 22.1+: V8's compile cache for the CLI's modules (start-up of every later call; issue 18). Node 20 has
  // none (the optional call is skipped); a cache that cannot be written is reported as a status, never thrown.
  import('node:module')
    .then((mod) => {
      try {
        mod.enableCompileCache?.();
      } catch {
        // no cache: the CLI runs as before
      }
    })
    .then(() => import('../dist/cli/main.js'))
    .then((m) => m.run(process.argv));
}
