// The webview side of the host⇄webview channel: acquireVsCodeApi behind a small typed interface so
// webview apps can be tested with a stand-in and never touch the global directly. `post` takes only the
// declared webview → host commands (src/protocol/webview.ts PanelCommands), each with its params type.
import type { PanelCommand } from '../../src/protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface HostApi<UiState> {
  /** Posts a command built with its declaration's `make` (a hand-made object must match one exactly). */
  post(message: PanelCommand): void;
  /** UI-only state (slider position, filters) persisted by VS Code across hide/show; never results. */
  getUiState(): UiState | undefined;
  setUiState(state: UiState): void;
}

let api: VsCodeApi | undefined;

/** acquireVsCodeApi may be called once per webview; cache it. */
export function hostApi<UiState>(): HostApi<UiState> {
  api ??= acquireVsCodeApi();
  const a = api;
  return {
    post: (m) => a.postMessage(m),
    getUiState: () => (a.getState() as UiState | undefined) ?? undefined,
    setUiState: (s) => a.setState(s),
  };
}
