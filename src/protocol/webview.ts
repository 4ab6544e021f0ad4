// Host ⇄ webview protocol, declared once (design.md §3 rule 6): each postMessage is {method, params} with
// a literal method and a phantom-typed params; receivers switch on `.is()` guards, never on bare strings.
// State flows host → webview as FULL snapshots; webviews send only intents. Pure: imported by
// src/host/webviews/* and by webview/ (browser) code.
import type { CheckpointSummary, RunId } from '../core/runs';
import type { EvalResult } from '../core/types';

export interface Message<M extends string, P> {
  readonly method: M;
  readonly params: P;
}

export interface MessageType<M extends string, P> {
  readonly method: M;
  /** Builds the message (the only way messages are made, so params are always typed). */
  make(params: P): Message<M, P>;
  is(msg: unknown): msg is Message<M, P>;
}

function messageType<P>() {
  return <M extends string>(method: M): MessageType<M, P> => ({
    method,
    make: (params: P) => ({ method, params }),
    is: (msg: unknown): msg is Message<M, P> => typeof msg === 'object' && msg !== null && (msg as { method?: unknown }).method === method,
  });
}

/** The run as the panel shows it (paths relative to the workspace for display). */
export interface RunView {
  readonly id: RunId;
  readonly name: string;
  readonly teacher: string;
  readonly student: string;
  readonly base?: string;
  readonly probe: string;
  readonly temperature: number;
  readonly alpha?: number;
}

export interface CheckpointView {
  readonly path: string;
  /** Display name relative to the workspace. */
  readonly name: string;
  readonly step: number;
  readonly status: 'done' | 'error' | 'pending' | 'running';
  readonly error?: string;
  readonly summary?: CheckpointSummary;
}

/**
 * Probe images for the gallery. `images` (the bulk of a snapshot) is left out when the page has told the
 * host (ProbeCachedCommand) that it holds the images of this `key`; a page that reloads starts empty.
 */
export interface ProbeView {
  /** Identity of these images (run, size and content fingerprint). */
  readonly key: string;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  readonly ids: readonly string[];
  readonly labels: readonly number[];
  readonly classes: readonly string[];
  /** n×height×width×3 RGB bytes, base64; absent when the page already holds `key`. */
  readonly images?: string;
}

export interface WorkerView {
  readonly state: 'starting' | 'ready' | 'busy' | 'crashed' | 'stopped' | 'restricted';
  readonly backend?: string;
  /** Why it stopped / what failed, one line. */
  readonly message?: string;
}

export interface PanelState {
  readonly runs: ReadonlyArray<{ readonly id: RunId; readonly name: string }>;
  readonly run: RunView | null;
  /** The run's checkpoints in step order: the trend data and the slider's stops. */
  readonly checkpoints: readonly CheckpointView[];
  /** Index into checkpoints of the checkpoint whose detail is shown; -1 when none. */
  readonly selected: number;
  /** Full result (heatmaps included) of the selected checkpoint, when evaluated. */
  readonly detail: EvalResult | null;
  readonly probe: ProbeView | null;
  readonly worker: WorkerView;
  readonly job: { readonly checkpoint: string; readonly fraction: number; readonly message: string } | null;
  /** The watched glob, for the empty state ("no checkpoints yet — watching …"). */
  readonly watching: string | null;
  /** False in a restricted (untrusted) workspace: history only, nothing computed. */
  readonly trusted: boolean;
}

// host → webview

/** host → panel: the complete state, after the ready handshake and on every change. */
export const DidChangePanelState = messageType<PanelState>()('panel/state/didChange');

// webview → host (intents)

/** webview → host: the webview's script is running and can receive state. */
export const ReadyCommand = messageType<{ readonly view: 'panel' }>()('webview/ready');
/** panel → host: show the detail of checkpoint `index` (slider, trend click). */
export const SelectCheckpointCommand = messageType<{ readonly index: number }>()('panel/selectCheckpoint');
/** panel → host: make another run active. */
export const SelectRunCommand = messageType<{ readonly runId: RunId }>()('panel/selectRun');
/** panel → host: evaluate the selected checkpoint again. */
export const RerunCommand = messageType<{ readonly index: number }>()('panel/rerun');
/** panel → host: cancel the running job. */
export const CancelJobCommand = messageType<Record<string, never>>()('panel/cancelJob');
/** panel → host: save the current view as a PNG (data is base64 PNG bytes); the host asks where. */
export const SavePngCommand = messageType<{ readonly fileName: string; readonly data: string }>()('panel/savePng');
/** panel → host: the page now holds the probe images of `key`; later snapshots may leave them out. */
export const ProbeCachedCommand = messageType<{ readonly key: string }>()('panel/probeCached');
/** panel → host: open a workspace file (a checkpoint, the config) in the editor. */
export const OpenFileCommand = messageType<{ readonly path: string }>()('panel/openFile');

export type PanelIntent =
  | Message<'webview/ready', { readonly view: 'panel' }>
  | Message<'panel/selectCheckpoint', { readonly index: number }>
  | Message<'panel/selectRun', { readonly runId: RunId }>
  | Message<'panel/rerun', { readonly index: number }>
  | Message<'panel/cancelJob', Record<string, never>>
  | Message<'panel/savePng', { readonly fileName: string; readonly data: string }>
  | Message<'panel/openFile', { readonly path: string }>
  | Message<'panel/probeCached', { readonly key: string }>;
