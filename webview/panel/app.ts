// The KD Lens panel app: applies each PanelState snapshot completely (idempotent: the same snapshot and UI
// state give the same page), keeps UI state with hostApi.setUiState, sends intents. Owns the header
// (run, checkpoint slider + play, stage, probe, worker/job), banners, empty states and cards; the trends,
// KD literature section, explorer and gallery are their own modules. Browser only; imported by webview/panel/main.ts.
import { figure, signedFigure } from '../../src/core/present/format';
import { CancelJobCommand, RerunCommand, SavePngCommand, SelectCheckpointCommand, SelectRunCommand } from '../../src/protocol/webview';
import type { PanelState } from '../../src/protocol/webview';
import type { HostApi } from '../common/hostApi';
import { baseName, percent, signed } from '../../src/core/present/format';
import { warningTexts } from '../../src/core/present/warningText';
import { probeSamplingText } from '../../src/core/probeSampling';
import { fidelityCards, deltaTone } from './cardModel';
import { h } from './dom';
import { Explorer } from './explorer';
import { Gallery } from './gallery';
import { LiteratureView } from './literatureView';
import { StagesView } from './stagesView';
import { effectiveStage, stageNames } from './trendModel';
import { TrendsView } from './trendsView';
import { restoreUiState } from './uiState';
import type { PanelUiState } from './uiState';

/** Slider moves reach the host at most this often while scrubbing (the last position always does). */
export const SELECT_INTERVAL_MS = 150;
const PLAY_INTERVAL_MS = 900;

export class PanelApp {
  private state: PanelState | null = null;
  private ui: PanelUiState;
  /** Index the user moved to that the host has not confirmed yet (keeps the slider from jumping back). */
  private pending: number | null = null;
  private lastPost = 0;
  private lastPosted = -1;
  private trailing: ReturnType<typeof setTimeout> | null = null;
  private playing: ReturnType<typeof setInterval> | null = null;
  private restored = false;
  private seq = 0;

  private readonly banners = h('div', { id: 'banners' });
  private readonly empty = h('div', { id: 'empty', class: 'empty' });
  private readonly header = h('header', { id: 'header' });
  private readonly runSelect = h('select', { id: 'run', 'aria-label': 'Run' });
  private readonly slider = h('input', { type: 'range', id: 'checkpoint', 'aria-label': 'Checkpoint' });
  private readonly sliderLabel = h('span', { id: 'checkpointLabel', class: 'cp-label' });
  private readonly play = h('button', { type: 'button', id: 'play', class: 'secondary', title: 'Play through the checkpoints' }, '▶');
  private readonly stageSelect = h('select', { id: 'stage', 'aria-label': 'Stage' });
  private readonly probeName = h('span', { id: 'probe', class: 'muted' });
  private readonly workerEl = h('span', { id: 'worker', class: 'muted' });
  private readonly jobEl = h('span', { id: 'job' });
  private readonly cards = h('section', { id: 'cards', class: 'cards', 'aria-label': 'Fidelity' });
  private readonly main = h('div', { id: 'main' });
  private readonly trends: TrendsView;
  private readonly stages = new StagesView();
  private readonly literature = new LiteratureView();
  private readonly explorer: Explorer;
  private readonly gallery: Gallery;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostApi<PanelUiState>,
  ) {
    this.ui = restoreUiState(host.getUiState());
    this.trends = new TrendsView({ select: (i) => this.choose(i, true) });
    this.explorer = new Explorer({ filter: (f) => this.setUi({ filter: f }) });
    this.gallery = new Gallery({ ui: (p) => this.setUi(p), savePng: (fileName, data) => host.post(SavePngCommand.make({ fileName, data })) });
    this.slider.min = '0';
    this.slider.step = '1';
    this.runSelect.addEventListener('change', () => host.post(SelectRunCommand.make({ runId: this.runSelect.value })));
    this.slider.addEventListener('input', () => this.choose(Number(this.slider.value), false));
    this.slider.addEventListener('change', () => this.flush());
    this.play.addEventListener('click', () => this.togglePlay());
    this.stageSelect.addEventListener('change', () => this.setUi({ stage: this.stageSelect.value }));
    this.header.append(
      h('label', { class: 'field' }, 'Run ', this.runSelect),
      h('span', { class: 'field slider' }, this.play, this.slider, this.sliderLabel),
      h('label', { class: 'field' }, 'Stage ', this.stageSelect),
      h('span', { class: 'field' }, 'Probe ', this.probeName),
      h('span', { class: 'field status' }, this.workerEl, this.jobEl),
    );
    this.main.append(this.cards, this.trends.el, this.stages.el, this.literature.el, this.explorer.el, this.gallery.el);
    root.replaceChildren(this.header, this.banners, this.empty, this.main);
    // VS Code switches themes by changing body classes: chart colours come from CSS variables, so redraw.
    new MutationObserver(() => this.render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** A new snapshot from the host: replaces everything shown. */
  apply(state: PanelState): void {
    this.state = state;
    if (this.pending !== null && (state.selected === this.pending || this.pending >= state.checkpoints.length)) this.pending = null;
    if (!this.restored && state.checkpoints.length) {
      // Restore the user's checkpoint after a reload (by path: new checkpoints may have arrived since).
      this.restored = true;
      const k = this.ui.checkpoint === null ? -1 : state.checkpoints.findIndex((c) => c.path === this.ui.checkpoint);
      if (k >= 0 && k !== state.selected) this.choose(k, true);
    }
    this.render();
  }

  private setUi(patch: Partial<PanelUiState>): void {
    this.ui = { ...this.ui, ...patch };
    this.host.setUiState(this.ui);
    this.render();
  }

  /** The slider / a chart / play moved to checkpoint i: show it now, tell the host (throttled unless `now`). */
  private choose(i: number, now: boolean): void {
    const s = this.state;
    if (!s || i < 0 || i >= s.checkpoints.length) return;
    this.pending = i === s.selected ? null : i;
    this.ui = { ...this.ui, checkpoint: s.checkpoints[i].path };
    this.host.setUiState(this.ui);
    if (now) this.flush(i);
    else {
      const wait = this.lastPost + SELECT_INTERVAL_MS - performance.now();
      if (wait <= 0) this.flush(i);
      else if (!this.trailing) this.trailing = setTimeout(() => this.flush(), wait);
    }
    this.renderHeader();
  }

  private flush(index?: number): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    const i = index ?? (this.pending ?? Number(this.slider.value));
    if (!this.state || i === this.lastPosted && this.state.selected === i) return;
    if (i === this.state.selected && this.pending === null) return;
    this.lastPost = performance.now();
    this.lastPosted = i;
    this.host.post(SelectCheckpointCommand.make({ index: i }));
  }

  private togglePlay(): void {
    if (this.playing) {
      clearInterval(this.playing);
      this.playing = null;
    } else {
      const s = this.state;
      if (s && this.current() >= s.checkpoints.length - 1) this.choose(0, true);
      this.playing = setInterval(() => {
        const st = this.state;
        const next = this.current() + 1;
        if (!st || next >= st.checkpoints.length) return this.togglePlay();
        this.choose(next, true);
      }, PLAY_INTERVAL_MS);
    }
    this.renderHeader();
  }

  private current(): number {
    return this.pending ?? this.state?.selected ?? -1;
  }

  render(): void {
    const s = this.state;
    if (!s) return;
    this.renderHeader();
    this.renderBanners(s);
    const emptyText = !s.run
      ? 'No KD run found — add kdlens.json to the workspace (teacher, student checkpoint glob, probe set), or open a folder with a known training layout.'
      : !s.checkpoints.length
        ? `No checkpoints yet — watching ${s.watching ?? s.run.student}`
        : null;
    this.empty.hidden = emptyText === null;
    this.empty.textContent = emptyText ?? '';
    this.main.hidden = emptyText !== null;
    if (emptyText === null) {
      const stage = effectiveStage(s.checkpoints, this.ui.stage);
      this.renderCards(s);
      this.trends.render(s.checkpoints, stage, this.current());
      const cp = s.checkpoints[s.selected];
      const detail = s.detail && cp ? s.detail : null;
      this.stages.render(cp, detail);
      this.literature.render(cp, detail);
      this.explorer.render(detail, this.ui.filter);
      const placeholder = !cp
        ? 'Select a checkpoint.'
        : cp.status === 'error'
          ? `No heatmaps: ${cp.name} failed — ${cp.error ?? 'unknown error'}`
          : !detail
            ? cp.status === 'pending' || cp.status === 'running'
              ? `Evaluating ${cp.name}…`
              : !s.trusted
                ? 'Heatmaps are not computed in a restricted workspace.'
                : `No heatmaps stored for ${cp.name}.`
            : null;
      this.gallery.render(s, this.ui, placeholder);
    }
    // A marker for tests and the benchmark: the snapshot is fully applied.
    document.body.dataset.renderSeq = String(++this.seq);
  }

  private renderHeader(): void {
    const s = this.state;
    if (!s) return;
    const runKey = s.runs.map((r) => `${r.id}\u0000${r.name}`).join('\u0001');
    if (this.runSelect.dataset.key !== runKey) {
      this.runSelect.dataset.key = runKey;
      this.runSelect.replaceChildren(...s.runs.map((r) => h('option', {}, r.name)));
      s.runs.forEach((r, k) => (this.runSelect.options[k].value = r.id));
    }
    if (s.run) this.runSelect.value = s.run.id;
    this.runSelect.disabled = s.runs.length < 2;
    const n = s.checkpoints.length;
    this.slider.max = String(Math.max(0, n - 1));
    this.slider.disabled = n < 2;
    this.play.disabled = n < 2;
    this.play.textContent = this.playing ? '⏸' : '▶';
    this.play.title = this.playing ? 'Pause' : 'Play through the checkpoints';
    const cur = this.current();
    if (cur >= 0) this.slider.value = String(cur);
    const cp = s.checkpoints[cur];
    this.sliderLabel.textContent = cp ? `${cur + 1}/${n} · step ${cp.step} · ${cp.name}${cp.status === 'done' ? '' : ` (${cp.status})`}` : '—';
    const stages = stageNames(s.checkpoints);
    const stage = effectiveStage(s.checkpoints, this.ui.stage);
    if (this.stageSelect.dataset.key !== stages.join('\u0000')) {
      this.stageSelect.dataset.key = stages.join('\u0000');
      this.stageSelect.replaceChildren(...stages.map((st) => h('option', {}, st)));
      stages.forEach((st, k) => (this.stageSelect.options[k].value = st));
    }
    if (stage !== null) this.stageSelect.value = stage;
    this.stageSelect.disabled = stages.length < 2;
    // Which images the figures are computed on, next to them (the report says the same).
    this.probeName.textContent = s.detail ? s.detail.probe.name + ' · ' + probeSamplingText(s.detail.probe) : s.run ? baseName(s.run.probe) : '—';
    const w = s.worker;
    this.workerEl.textContent = `worker: ${w.state}${w.backend ? ` (${w.backend})` : ''}`;
    this.workerEl.dataset.state = w.state;
    if (s.job) {
      const bar = h('progress', { 'aria-label': 'Evaluation progress' });
      bar.max = 1;
      bar.value = s.job.fraction;
      const cancel = h('button', { type: 'button', id: 'cancelJob', class: 'secondary' }, 'Cancel');
      cancel.addEventListener('click', () => this.host.post(CancelJobCommand.make({})));
      this.jobEl.replaceChildren(' · ', bar, ` ${percent(s.job.fraction, 0)} ${s.job.message} `, cancel);
    } else this.jobEl.replaceChildren();
  }

  private renderBanners(s: PanelState): void {
    const out: HTMLElement[] = [];
    if (!s.trusted) out.push(h('div', { class: 'banner info', 'data-banner': 'restricted' }, 'Restricted mode: only the stored history is shown; models are not loaded or evaluated until you trust this workspace.'));
    if (s.worker.state === 'stopped' || s.worker.state === 'crashed') {
      out.push(h('div', { class: 'banner error', 'data-banner': 'worker' }, `Worker ${s.worker.state}: ${s.worker.message ?? 'no reason given'}`));
    }
    const cp = s.checkpoints[s.selected];
    if (cp?.status === 'error') {
      const rerun = h('button', { type: 'button', class: 'secondary' }, 'Re-run');
      rerun.addEventListener('click', () => this.host.post(RerunCommand.make({ index: s.selected })));
      out.push(h('div', { class: 'banner error', 'data-banner': 'checkpoint' }, `${cp.name}: ${cp.error ?? 'evaluation failed'} `, s.trusted ? rerun : null));
    }
    // In the user's terms (which models, what it means, what to do); the engine's own lines as the tooltip.
    for (const w of warningTexts(s.detail?.warnings ?? [])) out.push(h('div', { class: 'banner warn', 'data-banner': 'warning', title: w.raw.join('\n') }, w.text));
    this.banners.replaceChildren(...out);
  }

  private renderCards(s: PanelState): void {
    const cp = s.checkpoints[s.selected];
    const summary = cp?.summary;
    if (!summary) {
      this.cards.replaceChildren(h('p', { class: 'muted' }, cp ? `No figures for ${cp.name} yet.` : ''));
      return;
    }
    const prevCp = s.selected > 0 ? s.checkpoints[s.selected - 1] : undefined;
    const cards = fidelityCards(summary, prevCp?.summary);
    this.cards.replaceChildren(
      ...cards.map((c) => {
        const value = c.percent ? percent(c.value) : c.value === null ? '—' : figure(c.value);
        const delta = c.delta === null ? (prevCp ? 'no previous figures' : 'first checkpoint') : `${c.percent ? `${signed(100 * c.delta, 1)} pts` : signedFigure(c.delta)} since step ${prevCp?.step}`;
        return h('div', { class: 'card', 'data-card': c.key }, h('div', { class: 'k' }, c.label), h('div', { class: 'v' }, value), h('div', { class: `d ${deltaTone(c)}` }, delta));
      }),
    );
  }
}
