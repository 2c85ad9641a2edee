/**
 * The timing loop every comparison uses: contenders run interleaved, round
 * after round in rotating order, so a slow patch of the machine (other work on
 * a shared 2-core box, a GC, frequency scaling) lands on all of them alike;
 * each figure is the median of the rounds, after a warm-up that lets V8
 * optimise every contender before anything is recorded.
 */

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const now = () => process.hrtime.bigint();
const secondsSince = (start: bigint) => Number(now() - start) / 1e9;

export interface TimingOptions {
  readonly rounds?: number;
  /** Shortest sample; a sample repeats its whole input until this much time has passed. */
  readonly sampleSeconds?: number;
  readonly warmupSeconds?: number;
}

/** Median items/s of each synchronous contender over the same inputs. */
export function timeSync<T>(contenders: Readonly<Record<string, (input: T) => unknown>>, inputs: readonly T[], options: TimingOptions = {}): Record<string, number> {
  const { rounds = 15, sampleSeconds = 0.1, warmupSeconds = 0.5 } = options;
  const names = Object.keys(contenders);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  // Results feed a sink, so no engine can drop a call whose result is unused.
  let sink = 0;
  const sample = (fn: (input: T) => unknown, seconds: number): number => {
    let done = 0;
    const start = now();
    let elapsed = 0;
    do {
      for (let i = 0; i < inputs.length; i++) if (fn(inputs[i]!)) sink++;
      done += inputs.length;
      elapsed = secondsSince(start);
    } while (elapsed < seconds);
    return done / elapsed;
  };
  for (const name of names) sample(contenders[name]!, warmupSeconds);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length]!;
      samples[name]!.push(sample(contenders[name]!, sampleSeconds));
    }
  }
  if (sink === -1) console.log(sink);
  return Object.fromEntries(names.map((n) => [n, median(samples[n]!)]));
}

/** Median calls/s of each asynchronous contender, awaited one at a time (one request after another, as a server sees them). */
export async function timeAsync(contenders: Readonly<Record<string, () => Promise<unknown>>>, options: TimingOptions = {}): Promise<Record<string, number>> {
  const { rounds = 11, sampleSeconds = 0.2, warmupSeconds = 0.5 } = options;
  const names = Object.keys(contenders);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const sample = async (fn: () => Promise<unknown>, seconds: number): Promise<number> => {
    let done = 0;
    const start = now();
    let elapsed = 0;
    do {
      await fn();
      done++;
      elapsed = secondsSince(start);
    } while (elapsed < seconds);
    return done / elapsed;
  };
  for (const name of names) await sample(contenders[name]!, warmupSeconds);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length]!;
      samples[name]!.push(await sample(contenders[name]!, sampleSeconds));
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n]!)]));
}
