// Minimal stand-in for the `vscode` module in unit/integration tests of host code (the test build aliases
// `vscode` to this file). Only what host code uses; behaviour kept faithful where tests depend on it.
export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  static from(...ds: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners: ((e: T) => unknown)[] = [];
  readonly event = (listener: (e: T) => unknown): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.fsPath, ...parts].join('/').replace(/\/+/g, '/'));
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(sl: number | Position, sc: number | Position, el?: number, ec?: number) {
    if (typeof sl === 'number') {
      this.start = new Position(sl, sc as number);
      this.end = new Position(el as number, ec as number);
    } else {
      this.start = sl;
      this.end = sc as Position;
    }
  }
}

export class MarkdownString {
  value = '';
  isTrusted?: boolean | { enabledCommands: string[] };
  supportThemeIcons?: boolean;
  constructor(v = '') {
    this.value = v;
  }
  appendMarkdown(v: string): this {
    this.value += v;
    return this;
  }
}

export class Hover {
  constructor(
    readonly contents: MarkdownString | MarkdownString[],
    readonly range?: Range,
  ) {}
}

export enum DiagnosticSeverity {
  Error = 0,
  Warning = 1,
  Information = 2,
  Hint = 3,
}

export class Diagnostic {
  source?: string;
  code?: string | number;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: DiagnosticSeverity = DiagnosticSeverity.Error,
  ) {}
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}

export class TreeItem {
  description?: string;
  tooltip?: string | MarkdownString;
  contextValue?: string;
  iconPath?: unknown;
  command?: unknown;
  id?: string;
  constructor(
    readonly label: string,
    public collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: unknown,
  ) {}
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

/** Status-bar item with the fields host code sets; `visible` tracks show/hide for assertions. */
export class StatusBarItem {
  text = '';
  tooltip: string | MarkdownString | undefined = '';
  command: string | { command: string; title: string; arguments?: unknown[] } | undefined = undefined;
  backgroundColor: ThemeColor | undefined = undefined;
  name: string | undefined = undefined;
  visible = false;
  disposed = false;
  constructor(
    readonly id: string,
    readonly alignment: StatusBarAlignment = StatusBarAlignment.Left,
    readonly priority?: number,
  ) {}
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {
    this.disposed = true;
    this.visible = false;
  }
}

/** Every item made through window.createStatusBarItem, for assertions. */
export const statusBarItems: StatusBarItem[] = [];

export class CancellationTokenSource {
  private listeners: (() => void)[] = [];
  private cancelled = false;
  readonly token = {
    isCancellationRequested: false,
    onCancellationRequested: (l: () => void): Disposable => {
      this.listeners.push(l);
      return new Disposable(() => (this.listeners = this.listeners.filter((x) => x !== l)));
    },
  };
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.token.isCancellationRequested = true;
    for (const l of [...this.listeners]) l();
  }
  dispose(): void {
    this.listeners = [];
  }
}

export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
  Two = 2,
}

/** A webview panel whose page is the test: `fromPage` plays a message the page posts; `posted` records the host's. */
export class WebviewPanel {
  private readonly received = new EventEmitter<unknown>();
  private readonly disposed = new EventEmitter<void>();
  readonly posted: unknown[] = [];
  iconPath: unknown = undefined;
  readonly webview = {
    html: '',
    options: {} as unknown,
    cspSource: 'vscode-webview://test',
    asWebviewUri: (u: Uri) => u,
    onDidReceiveMessage: this.received.event,
    postMessage: async (m: unknown) => {
      this.posted.push(m);
      return true;
    },
  };
  readonly onDidDispose = this.disposed.event;
  constructor(
    readonly viewType: string,
    readonly title: string,
  ) {}
  fromPage(message: unknown): void {
    this.received.fire(message);
  }
  reveal(): void {}
  dispose(): void {
    this.disposed.fire();
  }
}

/** Every panel made through window.createWebviewPanel, for assertions. */
export const webviewPanels: WebviewPanel[] = [];

/** Log lines written through createOutputChannel, for assertions. */
export const outputLines: string[] = [];

const logger = (level: string) => (msg: string) => outputLines.push(`[${level}] ${msg}`);

export const window = {
  createOutputChannel: (_name: string, _opts?: unknown) => ({
    info: logger('info'),
    warn: logger('warn'),
    error: logger('error'),
    debug: logger('debug'),
    trace: logger('trace'),
    appendLine: logger('line'),
    show: () => undefined,
    dispose: () => undefined,
  }),
  createStatusBarItem: (id?: string | StatusBarAlignment, alignment?: StatusBarAlignment, priority?: number) => {
    const item = new StatusBarItem(typeof id === 'string' ? id : '', typeof id === 'string' ? alignment : id, typeof id === 'string' ? priority : alignment);
    statusBarItems.push(item);
    return item;
  },
  showErrorMessage: async (..._a: unknown[]) => undefined,
  showWarningMessage: async (..._a: unknown[]) => undefined,
  showInformationMessage: async (..._a: unknown[]) => undefined,
  /** Tests that expect a save dialog replace this (and restore it). */
  showSaveDialog: async (_o?: unknown): Promise<Uri | undefined> => undefined,
  createWebviewPanel: (viewType: string, title: string, _column?: unknown, _options?: unknown) => {
    const panel = new WebviewPanel(viewType, title);
    webviewPanels.push(panel);
    return panel;
  },
  withProgress: async <T>(_o: unknown, task: (p: { report(v: unknown): void }, token: { isCancellationRequested: boolean; onCancellationRequested: () => Disposable }) => Promise<T>): Promise<T> =>
    task({ report: () => undefined }, { isCancellationRequested: false, onCancellationRequested: () => new Disposable() }),
  activeTextEditor: undefined as unknown,
};

export const workspace = {
  workspaceFolders: [] as { uri: Uri; name: string; index: number }[],
  isTrusted: true,
  getConfiguration: (_section?: string) => ({ get: <T>(_k: string, d?: T) => d }),
  /** Tests that expect a write replace writeFile (and restore it). */
  fs: { writeFile: async (_uri: Uri, _content: Uint8Array): Promise<void> => undefined },
};

export const commands = {
  registered: new Map<string, (...a: unknown[]) => unknown>(),
  registerCommand(id: string, fn: (...a: unknown[]) => unknown): Disposable {
    commands.registered.set(id, fn);
    return new Disposable(() => commands.registered.delete(id));
  },
  executeCommand: async (id: string, ...a: unknown[]) => commands.registered.get(id)?.(...a),
};
