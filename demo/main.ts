// `npm run demo [-- <dir>]`: builds a real KD run from nothing in a workspace (default ./demo-workspace),
// then runs the report engine over the KD checkpoint series and prints what it found. Entry of dist/demo.js.
import path from 'node:path';
import { DEFAULT_PROBE_SEED, DEFAULT_PROBE_SIZE } from '../src/core/probeSampling';
import { runReport } from '../src/report/runReport';
import { renderReportFiles } from '../src/report/renderFiles';
import { DEFAULT_CONFIG, QUICK_CONFIG, runDemoTraining } from './pipeline';
import { serveStudentJobIfThread } from './studentJob';
import { summaryLines } from './summary';
import { LAYOUT } from './workspace';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: npm run demo [-- <workspace dir>] [--quick]   (default ./demo-workspace)');
    console.log('  --quick   a smaller, faster run (fewer images and epochs) for tests and CI');
    return 0;
  }
  const ws = path.resolve(argv.find((a) => !a.startsWith('-')) ?? 'demo-workspace');
  const t0 = performance.now();
  const log = (line: string): void => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  log(`KD Lens demo → ${ws} (open this folder in VS Code to watch ${LAYOUT.kdGlob} while it trains)`);
  // --quick keeps the same architecture and layout with less data and fewer epochs (e2e tests, CI).
  const cfg = argv.includes('--quick') ? QUICK_CONFIG : DEFAULT_CONFIG;
  await runDemoTraining(ws, cfg, { log, threadEntry: __filename });

  log('report: evaluating the KD checkpoint series (fidelity, FSS/RS, Grad-CAM, UniCAM)…');
  let lastShown = -1;
  const outcome = await runReport(
    {
      teacher: path.join(ws, LAYOUT.teacher),
      base: path.join(ws, LAYOUT.base),
      checkpoints: path.join(ws, LAYOUT.kdGlob),
      data: path.join(ws, LAYOUT.probe),
      out: path.join(ws, LAYOUT.report),
      temperature: cfg.hyper.temperature,
      // The panel's defaults (src/core/probeSampling.ts), so the report and the panel show the same figures.
      probeSize: DEFAULT_PROBE_SIZE,
      seed: DEFAULT_PROBE_SEED,
    },
    {
      render: renderReportFiles,
      onProgress: (f) => {
        const tenth = Math.floor(f * 10);
        if (tenth > lastShown) {
          lastShown = tenth;
          log(`report ${tenth * 10}%`);
        }
      },
    },
  );
  console.log('');
  for (const line of summaryLines(outcome.json)) console.log(line);
  console.log('');
  log(`report: ${path.join(outcome.outDir, 'report.html')}`);
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

if (!serveStudentJobIfThread()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
