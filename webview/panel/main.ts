// Entry of the panel webview (bundled to dist/webview/panel.js): mounts the app, posts the ready
// handshake, applies every DidChangePanelState snapshot. Browser only; nothing imports this file.
import { DidChangePanelState, ProbeCachedCommand, ReadyCommand } from '../../src/protocol/webview';
import { hostApi } from '../common/hostApi';
import { PanelApp } from './app';
import type { PanelUiState } from './uiState';

const host = hostApi<PanelUiState>();
const app = new PanelApp(document.getElementById('app') ?? document.body, host);
/** The probe images this page holds: snapshots leave them out once the host knows (ProbeView docs). */
let probeCache: { key: string; images: string } | undefined;

window.addEventListener('message', (e: MessageEvent) => {
  if (!DidChangePanelState.is(e.data)) return;
  let state = e.data.params;
  const probe = state.probe;
  if (probe?.images !== undefined) {
    if (probeCache?.key !== probe.key) {
      probeCache = { key: probe.key, images: probe.images };
      host.post(ProbeCachedCommand.make({ key: probe.key }));
    }
  } else if (probe && probeCache?.key === probe.key) {
    state = { ...state, probe: { ...probe, images: probeCache.images } };
  }
  app.apply(state);
});
host.post(ReadyCommand.make({ view: 'panel' }));
