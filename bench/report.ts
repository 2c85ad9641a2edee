/** The machine description and the Markdown tables, for the terminal and docs/performance.md alike. */
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';

export interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** To the section's reference row (the baseline, the bare minimum). */
  readonly ratio?: number;
  readonly note?: string;
}

export interface Target {
  readonly target: string;
  readonly met: boolean;
  readonly measured: string;
  /** What stands in the way, from profiling; printed only when the target is missed. */
  readonly limit?: string;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export function machine(): string {
  const cpu = cpus();
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${gib(totalmem())} memory (${gib(freemem())} free), load average ${load}; Node.js ${process.version}, ${platform()} ${release()}`;
}

export const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));

export function table(rows: readonly Row[], ratioHeading = 'Ratio'): string {
  const notes = rows.some((r) => r.note !== undefined);
  const ratios = rows.some((r) => r.ratio !== undefined);
  const cells = (r: Row) => [r.name, `${fmt(r.value)} ${r.unit}`, ...(ratios ? [r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`] : []), ...(notes ? [r.note ?? ''] : [])];
  const line = (values: readonly string[]) => `| ${values.join(' | ')} |`;
  return [
    line(['Contender', 'Median', ...(ratios ? [ratioHeading] : []), ...(notes ? ['Note'] : [])]),
    line(['---', '---:', ...(ratios ? ['---:'] : []), ...(notes ? ['---'] : [])]),
    ...rows.map((r) => line(cells(r))),
  ].join('\n');
}

export function targetTable(targets: readonly Target[]): string {
  const missed = targets.filter((t) => !t.met && t.limit !== undefined);
  return [
    '| Target | Met | Measured |',
    '| --- | --- | --- |',
    ...targets.map((t) => `| ${t.target} | ${t.met ? 'yes' : '**no**'} | ${t.measured} |`),
    ...(missed.length === 0 ? [] : ['', 'Where a target is missed, the limit found by profiling:', '', ...missed.map((t) => `- ${t.target}: ${t.limit}`)]),
  ].join('\n');
}
