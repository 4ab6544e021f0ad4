// The per-stage section of the panel (webview/panel/stagesModel.ts): the FSS/RS/pRS table of the selected
// checkpoint and its "how to read this" list, as report.html has them. Rebuilt only when its text changes
// (a few rows). Browser only; imported by webview/panel/app.ts.
import type { EvalResult } from '../../src/core/types';
import type { CheckpointView } from '../../src/protocol/webview';
import { h } from './dom';
import { stagesModel } from './stagesModel';
import type { StagesModel } from './stagesModel';

function table(m: StagesModel): HTMLElement {
  const groups = h('tr', {}, ...m.groups.map(([label, span]) => {
    const th = h('th', { class: 'grp' }, label);
    th.setAttribute('colspan', String(span));
    return th;
  }));
  const head = h('tr', {}, ...m.head.map((x) => h('th', {}, x)));
  const verdictAt = m.head.indexOf('S|T − T|S');
  const rows = m.rows.map((r) => h('tr', {}, ...r.cells.map((c, k) => {
    if (k === 0) return h('th', {}, c);
    return h('td', k === verdictAt && r.verdict ? { class: 'verdict ' + r.verdict.tone } : {}, c);
  })));
  return h('div', { class: 'wrap' }, h('table', { class: 'stage-table' }, h('thead', {}, groups, head), h('tbody', {}, ...rows)));
}

function howToRead(m: StagesModel): HTMLDetailsElement {
  const items = m.terms.map((t) => h('li', {}, h('b', {}, t.term), ' ' + t.text));
  return h('details', { class: 'how' }, h('summary', {}, 'How to read FSS, RS and pRS'), h('ul', {}, ...items));
}

export class StagesView {
  readonly el = h('section', { id: 'stages', 'aria-label': 'Per stage' });
  private shown = '';

  render(cp: CheckpointView | undefined, detail: EvalResult | null): void {
    const m = stagesModel(cp, detail);
    const shown = JSON.stringify(m);
    if (shown === this.shown) return;
    this.shown = shown;
    const open = this.el.querySelector('details')?.open ?? false;
    const body = m.absent === null ? table(m) : h('p', { class: 'muted' }, m.absent);
    const how = howToRead(m);
    how.open = open;
    const title = h('h2', {}, 'Per stage: feature similarity (FSS) and relevance (RS, pRS)');
    this.el.replaceChildren(...(m.note ? [title, h('p', { class: 'muted stage-note' }, m.note), body, how] : [title, body, how]));
  }
}
