// Entry of the panel webview (bundled to dist/webview/panel.js): mounts the app, posts the ready
// handshake, applies every DidChangePanelState snapshot. Browser only; nothing imports this file.
import { DidChangePanelState, ReadyCommand } from '../../src/protocol/webview';
import { hostApi } from '../shared/hostApi';
import { PanelApp } from './app';
import type { PanelUiState } from './uiState';

const host = hostApi<PanelUiState>();
const app = new PanelApp(document.getElementById('app') ?? document.body, host);
window.addEventListener('message', (e: MessageEvent) => {
  if (DidChangePanelState.is(e.data)) app.apply(e.data.params);
});
host.post(ReadyCommand.make({ view: 'panel' }));
