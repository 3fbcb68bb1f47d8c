// The timing loop of the codec micro-benchmarks: `--seconds N` per case (default 1),
// a warm-up, then whole batches of 1,000 calls until the time is up; one line per case.

const secondsArg = process.argv.indexOf('--seconds');
/** Seconds each case runs (`--seconds N`, default 1). */
export const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 1;

let sink = 0;

/** Runs `fn` (which returns a number, so the work is not optimised away) and prints ops/s and ns/op, the name padded to `width`. */
export function bench(name: string, fn: () => number, width = 58): void {
  for (let i = 0; i < 20_000; i++) sink += fn(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 1_000; i++) sink += fn();
    n += 1_000;
    now = process.hrtime.bigint();
  }
  const secs = Number(now - start) / 1e9;
  console.log(`${name.padEnd(width)} ${Math.round(n / secs).toLocaleString('en-US').padStart(12)} ops/s  ${((secs / n) * 1e9).toFixed(0).padStart(6)} ns/op`);
  if (sink === 42) console.log('');
}
