// Host ⇄ webview protocol, declared once (docs/architecture.md, "Host ⇄ webview protocol"): each
// postMessage is {method, params}. Messages are declared by direction in two tables, commands the page
// sends (webview → host) and notifications the host sends (host → webview); the unions are derived from
// the tables. Every declaration carries a params validator, because the page is untrusted: the host checks
// each command's params before acting (a malformed one is dropped). State flows host → webview as FULL
// snapshots; webviews send only intents. Pure: imported by src/host/webviews/* and by webview/ code.
import type { CheckpointSummary, RunConfig, RunId } from '../core/runs';
import type { EvalResult, ProbeShape } from '../core/types';
import { isArray, isBase64, isBoolean, isIndex, isPlainObject, isShortString, isString, objectOf, orNull } from './guards';
import type { Guard } from './guards';

export interface Message<M extends string, P> {
  readonly method: M;
  readonly params: P;
}

export interface MessageType<M extends string, P> {
  readonly method: M;
  /** Builds the message (the only way messages are made, so params are always typed). */
  make(params: P): Message<M, P>;
  /** True only for params of exactly the declared shape (what a receiver checks before acting). */
  readonly validParams: Guard<P>;
  /** A message of this method whose params pass `validParams`. */
  is(msg: unknown): msg is Message<M, P>;
}

function messageType<M extends string, P>(method: M, validParams: Guard<P>): MessageType<M, P> {
  return {
    method,
    validParams,
    make: (params: P) => ({ method, params }),
    is: (msg: unknown): msg is Message<M, P> => isPlainObject(msg) && msg.method === method && validParams(msg.params),
  };
}

/** The run as the panel shows it: RunConfig's fields, with teacher, base and probe relative to the workspace. */
export type RunView = Pick<RunConfig, 'id' | 'name' | 'teacher' | 'student' | 'base' | 'probe' | 'temperature' | 'alpha'>;

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
export interface ProbeView extends ProbeShape {
  /** Identity of these images (run, size and content fingerprint). */
  readonly key: string;
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

// ---- host → webview (notifications) ----------------------------------------------------------------

/**
 * The snapshot's top level: every field present with the right kind. Shallow on purpose: the host is the
 * trusted side, so this catches a page and host of different versions, not an attacker.
 */
const isPanelState = objectOf<PanelState>({
  runs: isArray,
  run: orNull(isPlainObject),
  checkpoints: isArray,
  selected: (v) => v === -1 || isIndex(v),
  detail: orNull(isPlainObject),
  probe: orNull(isPlainObject),
  worker: isPlainObject,
  job: orNull(isPlainObject),
  watching: orNull(isString),
  trusted: isBoolean,
});

/** host → panel: the complete state, after the ready handshake and on every change. */
export const DidChangePanelState = messageType('panel/state/didChange', isPanelState);

/** Everything the host sends the panel. */
export const PanelNotifications = { DidChangePanelState } as const;

// ---- webview → host (commands) -------------------------------------------------------------------------

/** Longest run id / probe key the host accepts (real ones are a config path plus an index, or a hash). */
export const MAX_ID_LENGTH = 4096;
/** Largest PNG the page may ask the host to save (a full gallery of a 256-image probe is a few MB). */
export const MAX_PNG_BYTES = 32 * 1024 * 1024;
/** A plain file name as the gallery makes it (no separators, no `..`, nothing a shell or Windows reads). */
const PNG_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,250}\.png$/;
/** Base64 of the 8-byte PNG signature's first 7.5 bytes: a page cannot save other content as .png. */
const PNG_BASE64_PREFIX = 'iVBORw0KGg';
const isPngBase64 = (v: unknown): v is string => isBase64(MAX_PNG_BYTES)(v) && v.startsWith(PNG_BASE64_PREFIX);

/** webview → host: the webview's script is running and can receive state. */
export const ReadyCommand = messageType('webview/ready', objectOf<{ readonly view: 'panel' }>({ view: (v) => v === 'panel' }));
/** panel → host: show the detail of checkpoint `index` (slider, trend click); the host checks the range. */
export const SelectCheckpointCommand = messageType('panel/selectCheckpoint', objectOf<{ readonly index: number }>({ index: isIndex }));
/** panel → host: make another run active; the host checks that the run exists. */
export const SelectRunCommand = messageType('panel/selectRun', objectOf<{ readonly runId: RunId }>({ runId: isShortString(MAX_ID_LENGTH) }));
/** panel → host: evaluate checkpoint `index` again; the host checks the range. */
export const RerunCommand = messageType('panel/rerun', objectOf<{ readonly index: number }>({ index: isIndex }));
/** panel → host: cancel the running job. */
export const CancelJobCommand = messageType('panel/cancelJob', objectOf<Record<string, never>>({}));
/**
 * panel → host: save the current view as a PNG; the host asks the user where (the name is only the
 * dialog's suggestion). `data` is base64 PNG bytes, at most MAX_PNG_BYTES.
 */
export const SavePngCommand = messageType(
  'panel/savePng',
  objectOf<{ readonly fileName: string; readonly data: string }>({ fileName: (v) => isString(v) && PNG_FILE_NAME.test(v), data: isPngBase64 }),
);
/** panel → host: the page now holds the probe images of `key`; later snapshots may leave them out. */
export const ProbeCachedCommand = messageType('panel/probeCached', objectOf<{ readonly key: string }>({ key: isShortString(MAX_ID_LENGTH) }));

/** Everything the panel may ask of the host; nothing else is acted on. */
export const PanelCommands = { ReadyCommand, SelectCheckpointCommand, SelectRunCommand, RerunCommand, CancelJobCommand, SavePngCommand, ProbeCachedCommand } as const;

// ---- derived unions and the receiving side -----------------------------------------------------------

/** The message a MessageType declares. */
export type MessageOf<T> = T extends MessageType<infer M, infer P> ? Message<M, P> : never;
type TableMessage<T> = MessageOf<T[keyof T]>;

/** Any command the panel may post (HostApi.post accepts exactly these). */
export type PanelCommand = TableMessage<typeof PanelCommands>;
/** Any notification the host may post to the panel. */
export type PanelNotification = TableMessage<typeof PanelNotifications>;

export type Parsed<U> = { readonly ok: true; readonly message: U } | { readonly ok: false; readonly reason: string };

/** Method names in log lines are the page's text: cut them short. */
function quoteMethod(method: string): string {
  return JSON.stringify(method.length > 64 ? `${method.slice(0, 64)}…` : method);
}

/**
 * Checks a received message against a direction's table: a plain object, a declared method, params of
 * exactly the declared shape. The reason (one line, no params echoed) is for the receiver's log.
 */
export function parseMessage<T extends Readonly<Record<string, MessageType<string, unknown>>>>(table: T, msg: unknown): Parsed<TableMessage<T>> {
  if (!isPlainObject(msg)) return { ok: false, reason: 'not a message object' };
  const { method } = msg;
  if (typeof method !== 'string') return { ok: false, reason: 'no method' };
  const type = Object.values(table).find((t) => t.method === method);
  if (!type) return { ok: false, reason: `unknown method ${quoteMethod(method)}` };
  if (!type.validParams(msg.params)) return { ok: false, reason: `${quoteMethod(method)} with missing or malformed params` };
  return { ok: true, message: { method, params: msg.params } as TableMessage<T> };
}
