// The demo prints the same summary as `kdlens report` (src/report/summaryText.ts, one implementation).
export { literatureLines, summaryLines } from '../src/report/summaryText';
