// Child process of bench/hostmem.bench.ts: the host side alone (bench/lib/hostSide.ts), bundled by
// scripts/bench.mjs without the engine, so its memory is what the extension host's pipeline holds.
//   node out/bench/hostmem.child.js <workspace> <fixtures folder>
import { HOST_MARK, hostSide } from './lib/hostSide';

hostSide(process.argv[2], process.argv[3])
  .then((s) => console.log(HOST_MARK + JSON.stringify(s)))
  .catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
