// `kdlens dcor`: the UniCAM statistics on two feature sets saved as .npy, printed as one JSON object.
import fs from 'node:fs';
import { dcorReport } from '../core/dcor';
import { KdInputError } from '../core/errors';
import { parseNpy, toLabels, toMatrix } from '../core/npy';
import { DCOR_SPEC } from './commandSpecs';
import { parseCommand, printHelp, requireString } from './usage';

function readNpy(file: string, what: string) {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new KdInputError('bad-file', `cannot read ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return parseNpy(bytes);
  } catch (e) {
    throw new KdInputError('bad-file', `${what} (${file}): ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function runDcor(argv: string[]): Promise<number> {
  const parsed = parseCommand(DCOR_SPEC, argv);
  if (parsed.help) return printHelp(DCOR_SPEC);
  const { values } = parsed;
  // Check every required option before touching the file system, so the message names what is missing.
  const [xPath, yPath, labelsPath] = (['x', 'y', 'labels'] as const).map((k) => requireString(values, k));
  const x = toMatrix(readNpy(xPath, '--x'));
  const y = toMatrix(readNpy(yPath, '--y'));
  const labels = toLabels(readNpy(labelsPath, '--labels'));
  const gt = typeof values.gt === 'string' ? toMatrix(readNpy(values.gt, '--gt')) : undefined;
  if (labels.length !== x.rows) throw new KdInputError('row-mismatch', `--labels holds ${labels.length} labels but --x has ${x.rows} rows`);
  const report = dcorReport(x, y, labels, gt);
  process.stdout.write(JSON.stringify(report) + '\n');
  return 0;
}
