// Imported first by every entry point: on an older Node.js, better-sqlite3 would crash the process with a
// segmentation fault instead of an explanation.
// 24 is what the project pins, tests and runs on (package.json's engines say so too).
const [major = 0] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `This service needs Node.js 24 or newer, and this is ${process.version}.\n` +
      'Run it with "npm start" (or "npm run cli -- …"), which use the Node.js pinned in package.json.\n',
  );
  process.exit(1);
}
