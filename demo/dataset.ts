// The demo's seeded image data set where the truth is known: one coloured shape per image (the class is
// the SHAPE) on a textured, cluttered background, plus the object mask. Pure TS; used by demo/ and its tests.
import { randomNormal, rng, shuffle } from '../src/core/random';
import type { Rand } from '../src/core/random';

/** Class names, in label order. The class is the shape; colour, size, position and rotation are random. */
export const SHAPES = ['circle', 'square', 'triangle', 'cross', 'ring'] as const;
export type ShapeName = (typeof SHAPES)[number];

export type BackgroundKind = 'stripes' | 'gradient' | 'noise';

type Rgb = readonly [number, number, number];

/** Everything that decides one image; rendering it is deterministic. */
export interface SceneSpec {
  readonly label: number;
  /** Shape centre in pixel coordinates (pixel i covers [i, i+1)). */
  readonly cx: number;
  readonly cy: number;
  /** Scale in pixels: the circle's radius, the other shapes fit in a circle of about this radius. */
  readonly radius: number;
  readonly angle: number;
  readonly colour: Rgb;
  readonly background: {
    readonly kind: BackgroundKind;
    readonly a: Rgb;
    readonly b: Rgb;
    /** stripes: direction and period; gradient: direction; noise: cell size. */
    readonly angle: number;
    readonly period: number;
    /** Coarse value-noise lattice for 'noise' (and a faint texture on the others). */
    readonly lattice: Float32Array;
  };
  /** Small elongated blobs that are not class shapes (drawn under the shape). */
  readonly distractors: ReadonlyArray<{ readonly cx: number; readonly cy: number; readonly rx: number; readonly ry: number; readonly angle: number; readonly colour: Rgb }>;
  /** Seed of the per-pixel sensor noise. */
  readonly noiseSeed: number;
}

export interface Dataset {
  readonly size: number;
  readonly classes: readonly string[];
  /** N×H×W×3 uint8 (what the .npz holds; training reads it ÷255 so both see the same pixels). */
  readonly x: Uint8Array;
  readonly y: Int32Array;
  /** N×H×W, 1 inside the object, 0 elsewhere. */
  readonly mask: Uint8Array;
  readonly specs: readonly SceneSpec[];
}

const LATTICE = 6;
/** Supersampling per axis: shape edges are anti-aliased, the mask is coverage ≥ 1/2. */
const SS = 4;

function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number): number => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

function randomColour(rand: Rand, sat: [number, number], val: [number, number]): Rgb {
  return hsv(rand(), sat[0] + (sat[1] - sat[0]) * rand(), val[0] + (val[1] - val[0]) * rand());
}

function colourDistance(a: Rgb, b: Rgb): number {
  return (Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2])) / 3;
}

/**
 * Whether the point (u, v), in the shape's own frame scaled by its radius (rotation already undone), lies
 * inside the shape. Areas in radius² units: circle π, square 2.56, triangle 1.72, cross 2.04, ring 2.01
 * (close on purpose, so the area alone does not give the class away).
 */
export function insideShape(shape: ShapeName, u: number, v: number): boolean {
  switch (shape) {
    case 'circle':
      return u * u + v * v <= 1;
    case 'square':
      return Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
    case 'triangle': {
      // Equilateral, circumradius 1.15: three half-planes at 90°, 210°, 330°.
      const r = 1.15 / 2; // inradius = circumradius / 2
      for (const a of [Math.PI / 2, (7 * Math.PI) / 6, (11 * Math.PI) / 6]) {
        if (u * Math.cos(a) + v * Math.sin(a) > r) return false;
      }
      return true;
    }
    case 'cross':
      return (Math.abs(u) <= 1 && Math.abs(v) <= 0.3) || (Math.abs(v) <= 1 && Math.abs(u) <= 0.3);
    case 'ring': {
      const d = u * u + v * v;
      return d <= 1 && d >= 0.36;
    }
  }
}

/** Area of each shape in radius² units (the mask holds about this times radius² pixels). */
export const SHAPE_AREA: Readonly<Record<ShapeName, number>> = {
  circle: Math.PI,
  square: 2.56,
  triangle: ((3 * Math.sqrt(3)) / 4) * 1.15 * 1.15,
  cross: 2 * 2 * 0.6 - 0.36,
  ring: Math.PI * (1 - 0.36),
};

/** Draws the random parameters of one image of class `label`. */
export function sampleScene(rand: Rand, size: number, label: number): SceneSpec {
  const radius = size * (0.19 + 0.12 * rand());
  const margin = radius * 1.05 + 1;
  const cx = margin + (size - 2 * margin) * rand();
  const cy = margin + (size - 2 * margin) * rand();
  const angle = 2 * Math.PI * rand();
  const a = randomColour(rand, [0.1, 0.6], [0.2, 0.85]);
  const b = randomColour(rand, [0.1, 0.6], [0.2, 0.85]);
  const kinds: BackgroundKind[] = ['stripes', 'gradient', 'noise'];
  const kind = kinds[Math.floor(rand() * kinds.length)];
  const lattice = new Float32Array(LATTICE * LATTICE).map(() => rand());
  // The object must stand out from both background colours, or the label would be unknowable.
  let colour = randomColour(rand, [0.55, 1], [0.55, 1]);
  for (let k = 0; k < 20 && Math.min(colourDistance(colour, a), colourDistance(colour, b)) < 0.22; k++) {
    colour = randomColour(rand, [0.55, 1], [0.55, 1]);
  }
  const distractors = [];
  const nd = 2 + Math.floor(rand() * 3);
  for (let k = 0; k < nd; k++) {
    const rx = size * (0.05 + 0.05 * rand());
    distractors.push({
      cx: size * rand(),
      cy: size * rand(),
      rx,
      ry: rx / (1.6 + 1.4 * rand()),
      angle: Math.PI * rand(),
      colour: randomColour(rand, [0.3, 1], [0.3, 1]),
    });
  }
  return {
    label,
    cx,
    cy,
    radius,
    angle,
    colour,
    background: { kind, a, b, angle: Math.PI * rand(), period: size * (0.12 + 0.2 * rand()), lattice },
    distractors,
    noiseSeed: Math.floor(rand() * 2 ** 31),
  };
}

function latticeAt(lat: Float32Array, x: number, y: number, size: number): number {
  const gx = (x / size) * (LATTICE - 1);
  const gy = (y / size) * (LATTICE - 1);
  const x0 = Math.min(LATTICE - 2, Math.floor(gx));
  const y0 = Math.min(LATTICE - 2, Math.floor(gy));
  const fx = gx - x0;
  const fy = gy - y0;
  const at = (i: number, j: number): number => lat[j * LATTICE + i];
  return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}

/**
 * Renders one scene: RGB in [0, 1] (H×W×3, float) and the object mask (H×W, 0/1). With `withShape`
 * false the same image is drawn without the object (tests compare the two).
 */
export function renderScene(spec: SceneSpec, size: number, withShape = true): { rgb: Float32Array; mask: Uint8Array } {
  const rgb = new Float32Array(size * size * 3);
  const mask = new Uint8Array(size * size);
  const bg = spec.background;
  const ca = Math.cos(bg.angle);
  const sa = Math.sin(bg.angle);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const along = px * ca + py * sa;
      const tex = latticeAt(bg.lattice, px, py, size);
      let t: number;
      if (bg.kind === 'stripes') t = 0.5 + 0.5 * Math.sin((2 * Math.PI * along) / bg.period) + 0.15 * (tex - 0.5);
      else if (bg.kind === 'gradient') t = along / (size * 1.42) + 0.25 * (tex - 0.5);
      else t = tex;
      t = Math.max(0, Math.min(1, t));
      for (let c = 0; c < 3; c++) rgb[(y * size + x) * 3 + c] = bg.a[c] * (1 - t) + bg.b[c] * t;
    }
  }
  const paint = (inside: (px: number, py: number) => boolean, colour: Rgb, x0: number, x1: number, y0: number, y1: number, toMask: boolean): void => {
    for (let y = Math.max(0, Math.floor(y0)); y < Math.min(size, Math.ceil(y1)); y++) {
      for (let x = Math.max(0, Math.floor(x0)); x < Math.min(size, Math.ceil(x1)); x++) {
        let cover = 0;
        for (let sy = 0; sy < SS; sy++) {
          for (let sx = 0; sx < SS; sx++) if (inside(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS)) cover++;
        }
        if (cover === 0) continue;
        const alpha = cover / (SS * SS);
        const i = y * size + x;
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = rgb[i * 3 + c] * (1 - alpha) + colour[c] * alpha;
        if (toMask && alpha >= 0.5) mask[i] = 1;
      }
    }
  };
  for (const d of spec.distractors) {
    const c = Math.cos(d.angle);
    const s = Math.sin(d.angle);
    const inside = (px: number, py: number): boolean => {
      const u = ((px - d.cx) * c + (py - d.cy) * s) / d.rx;
      const v = (-(px - d.cx) * s + (py - d.cy) * c) / d.ry;
      return u * u + v * v <= 1;
    };
    paint(inside, d.colour, d.cx - d.rx, d.cx + d.rx + 1, d.cy - d.rx, d.cy + d.rx + 1, false);
  }
  if (withShape) {
    const shape = SHAPES[spec.label];
    const c = Math.cos(spec.angle);
    const s = Math.sin(spec.angle);
    const r = spec.radius;
    const inside = (px: number, py: number): boolean =>
      insideShape(shape, ((px - spec.cx) * c + (py - spec.cy) * s) / r, (-(px - spec.cx) * s + (py - spec.cy) * c) / r);
    paint(inside, spec.colour, spec.cx - 1.2 * r, spec.cx + 1.2 * r + 1, spec.cy - 1.2 * r, spec.cy + 1.2 * r + 1, true);
  }
  // Sensor noise, seeded per image so the image with and without the object differ only by the object.
  const noise = rng(spec.noiseSeed);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, Math.min(1, rgb[i] + 0.03 * randomNormal(noise)));
  return { rgb, mask };
}

/**
 * `n` images of `size`×`size`, class-balanced (labels cycle through the classes, then are shuffled; with
 * n a multiple of the class count every class has exactly n/K images). Same seed, same bytes.
 */
export function generateDataset(opts: { seed: number; n: number; size?: number; numClasses?: number }): Dataset {
  const size = opts.size ?? 32;
  const k = opts.numClasses ?? SHAPES.length;
  if (!(k >= 2 && k <= SHAPES.length)) throw new RangeError(`numClasses must be 2..${SHAPES.length}, got ${k}`);
  const rand = rng(opts.seed);
  const labels = new Int32Array(opts.n).map((_, i) => i % k);
  shuffle(labels, rand);
  const x = new Uint8Array(opts.n * size * size * 3);
  const mask = new Uint8Array(opts.n * size * size);
  const specs: SceneSpec[] = [];
  for (let i = 0; i < opts.n; i++) {
    const spec = sampleScene(rand, size, labels[i]);
    specs.push(spec);
    const img = renderScene(spec, size);
    for (let j = 0; j < img.rgb.length; j++) x[i * img.rgb.length + j] = Math.round(img.rgb[j] * 255);
    mask.set(img.mask, i * size * size);
  }
  return { size, classes: SHAPES.slice(0, k), x, y: labels, mask, specs };
}
