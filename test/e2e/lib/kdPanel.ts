// Page object for the KD Lens panel webview (webview/panel/*): header slider, fidelity cards, trend and
// heatmap canvases read back as pixels, the 2×2 explorer and the gallery rows. Selectors are the panel's
// ids and data-* attributes. Imported by e2e scenarios.
import type { Frame, Locator } from 'playwright-core';
import type { Workbench } from './workbench';

/** Pixel summary of one canvas (read with getImageData inside the webview). */
export interface CanvasPixels {
  /** Probe index of the gallery row (data-index), or -1 outside the gallery. */
  readonly index: number;
  /** data-col of a gallery canvas, data-chart of a trend canvas. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Pixels with alpha > 0. */
  readonly opaque: number;
  /** Distinct RGBA values. */
  readonly colours: number;
  /** Share of the pixels holding the most common RGBA value (the background, if any). */
  readonly modeShare: number;
  /** FNV-1a over the RGBA bytes: equal pictures, equal hash. */
  readonly hash: string;
}

export interface CardText {
  readonly label: string;
  readonly value: string;
  readonly delta: string;
}

export interface GalleryRow {
  readonly index: number;
  readonly outcome: string;
  readonly head: string;
}

// The DOM as the in-page functions below use it (tsconfig.json has no "dom" lib on purpose).
interface PxCanvas {
  width: number;
  height: number;
  dataset: Record<string, string | undefined>;
  closest(s: string): { dataset: Record<string, string | undefined> } | null;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface El {
  dataset: Record<string, string | undefined>;
  querySelector(s: string): { textContent: string | null } | null;
  textContent: string | null;
}

function canvasPixels(els: PxCanvas[]): CanvasPixels[] {
  return els.map((c) => {
    const ctx = c.getContext('2d');
    const data = ctx && c.width && c.height ? ctx.getImageData(0, 0, c.width, c.height).data : new Uint8ClampedArray(0);
    const counts = new Map<number, number>();
    let opaque = 0;
    let h = 0x811c9dc5;
    for (let k = 0; k < data.length; k += 4) {
      const v = ((data[k] << 24) | (data[k + 1] << 16) | (data[k + 2] << 8) | data[k + 3]) >>> 0;
      if (data[k + 3]) opaque++;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      for (let b = 0; b < 4; b++) h = Math.imul(h ^ data[k + b], 0x01000193) >>> 0;
    }
    const n = data.length / 4;
    const row = c.closest('.g-row');
    return {
      index: row ? Number(row.dataset.index) : -1,
      name: c.dataset.col ?? c.dataset.chart ?? '',
      width: c.width,
      height: c.height,
      opaque,
      colours: counts.size,
      modeShare: n ? Math.max(...counts.values()) / n : 1,
      hash: h.toString(16),
    };
  });
}

export class KdPanel {
  private cached: Frame | undefined;

  constructor(private readonly wb: Workbench) {}

  /** The panel's frame (found again if VS Code recreated the webview). */
  async frame(): Promise<Frame> {
    if (!this.cached || this.cached.isDetached()) this.cached = await this.wb.webviewFrame('#app[data-app="panel"] #header');
    return this.cached;
  }

  async locator(selector: string): Promise<Locator> {
    return (await this.frame()).locator(selector);
  }

  /** body[data-render-seq]: bumped after each snapshot is fully applied. */
  async renderSeq(): Promise<number> {
    return Number((await (await this.frame()).locator('body').getAttribute('data-render-seq')) ?? '0');
  }

  /** Header slider: value, max and its label ("3/3 · step 3 · runs/kd/epoch_003/model.json"). */
  async slider(): Promise<{ value: number; max: number; label: string }> {
    const f = await this.frame();
    const s = f.locator('#checkpoint');
    return { value: Number(await s.inputValue()), max: Number(await s.getAttribute('max')), label: (await f.locator('#checkpointLabel').innerText()).trim() };
  }

  /** Moves the slider with the keyboard, as a user would ('Home', 'End', 'ArrowLeft', …). */
  async pressOnSlider(key: string): Promise<void> {
    await (await this.locator('#checkpoint')).press(key);
  }

  /** Fidelity cards by data-card key. */
  async cards(): Promise<Record<string, CardText>> {
    const list = await (await this.locator('#cards .card')).evaluateAll((els: El[]) =>
      els.map((e) => ({ key: e.dataset.card ?? '', label: e.querySelector('.k')?.textContent ?? '', value: e.querySelector('.v')?.textContent ?? '', delta: e.querySelector('.d')?.textContent ?? '' })),
    );
    return Object.fromEntries(list.map(({ key, ...c }) => [key, c]));
  }

  /** Pixels of every canvas matching `selector` inside the panel. */
  async canvases(selector: string): Promise<CanvasPixels[]> {
    return (await this.locator(selector)).evaluateAll(canvasPixels);
  }

  /** The 2×2 cell counts shown (data-cell → the big number). */
  async cellCounts(): Promise<Record<string, number>> {
    const list = await (await this.locator('#explorer button.m2-cell')).evaluateAll((els: El[]) => els.map((e) => [e.dataset.cell ?? '', Number(e.querySelector('.big')?.textContent ?? 'NaN')] as const));
    return Object.fromEntries(list);
  }

  async clickCell(cell: string): Promise<void> {
    await (await this.locator(`#explorer button[data-cell="${cell}"]`)).click();
  }

  /** The gallery rows drawn, top to bottom. */
  async galleryRows(): Promise<GalleryRow[]> {
    return (await this.locator('#gallery .g-rows .g-row')).evaluateAll((els: El[]) =>
      els.map((e) => ({ index: Number(e.dataset.index), outcome: e.dataset.outcome ?? '', head: e.querySelector('.g-head')?.textContent ?? '' })),
    );
  }

  /** "Showing 7 of 7 filtered (40 probe images), …" */
  async galleryInfo(): Promise<string> {
    return (await (await this.locator('#gallery .gallery-info')).innerText()).trim();
  }
}
