// Imported first by every entry point: on an older Node.js, better-sqlite3 would crash the process with a
// segmentation fault instead of an explanation.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `This service needs Node.js 22.12 or newer, and this is ${process.version}.\n` +
      'Run it with "npm start" (or "npm run cli -- …"), which use the Node.js pinned in package.json.\n',
  );
  process.exit(1);
}
