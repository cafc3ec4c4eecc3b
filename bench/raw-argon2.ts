// The speed limit of a sign-in: Argon2id verifications of one stored hash, `concurrency` at a time, in a
// process of their own, for a fixed time. Prints {"verifies":…,"seconds":…,"cpuMs":…} as one JSON line.
// Usage: node bench/raw-argon2.ts <PHC string> <password> <concurrency> <seconds>
import { verify } from '@node-rs/argon2';

const [phc = '', password = '', concurrencyText = '2', secondsText = '10'] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const deadline = performance.now() + Number(secondsText) * 1000;
let verifies = 0;
const cpuBefore = process.cpuUsage();
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      if (!(await verify(phc, password))) throw new Error('the stored hash does not verify the password');
      verifies++;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({ verifies, seconds, cpuMs: (cpu.user + cpu.system) / 1000 }));
