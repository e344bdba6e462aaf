// VS Code glue: starts `completion-lsp serve` for C# files, restarts it on crash (within a limit),
// and wires the commands and the status bar item. All completion intelligence is in the server.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  WorkDoneProgress,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { keepServerOrderIn } from './completionOrder';
import { ProgressMapper } from './progress';
import {
  MODEL_INFO_COMMAND,
  STATUS_NOTIFICATION,
  TRAIN_COMMAND,
  parseStatus,
  type ModelInfo,
  type TrainArgs,
  type TrainResult,
} from './protocol';
import { RestartPolicy } from './restartPolicy';
import { resolveServer, type ServerCommand } from './serverDiscovery';
import { SECTION, needsRestart, readSettings, serverPayload, toServerSettings, type Settings } from './settings';
import { formatModelInfo, formatStatus, formatTrainResult, type ClientStatus } from './status';
import { TraceChannel } from './traceChannel';

/** VS Code command ids. They differ from the server's workspace/executeCommand names, which
 * vscode-languageclient registers as commands of their own. */
export const Commands = {
  train: 'completionLsp.trainModel',
  modelInfo: 'completionLsp.showModelInfo',
  restart: 'completionLsp.restartServer',
} as const;

const CSHARP_SELECTOR = [{ language: 'csharp' }, { pattern: '**/*.cs' }];

class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private settings: Settings;
  private readonly output: vscode.LogOutputChannel;
  /** The output as the client's trace channel: traces exactly when completionLsp.trace.server is not "off". */
  private readonly traceChannel: TraceChannel;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly policy = new RestartPolicy(5, 3 * 60_000);
  private readonly disposables: vscode.Disposable[] = [];
  /** Serialises start/stop so that commands and setting changes cannot interleave them. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private status: ClientStatus = { kind: 'starting' };
  private statusNotifications = 0;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('CompletionLsp', { log: true });
    this.statusItem = vscode.window.createStatusBarItem('completionLsp.status', vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'CompletionLsp';
    this.statusItem.command = Commands.modelInfo;
    this.settings = this.readSettings();
    this.traceChannel = new TraceChannel(this.output, this.settings.trace, { Trace: vscode.LogLevel.Trace, Info: vscode.LogLevel.Info });
    this.disposables.push(
      this.traceChannel,
      this.output,
      this.statusItem,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) this.onSettingsChanged();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.log('workspace trusted: restarting the server with workspace settings and models');
        this.settings = this.readSettings();
        void this.restart(false);
      }),
    );
    this.setStatus({ kind: 'starting' });
  }

  private readSettings(): Settings {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return readSettings(vscode.workspace.getConfiguration(SECTION), {
      trusted: vscode.workspace.isTrusted,
      workspaceFolder: folder?.scheme === 'file' ? folder.fsPath : undefined,
    });
  }

  private log(message: string): void {
    this.output.info(message);
  }

  private setStatus(s: ClientStatus): void {
    this.status = s;
    const view = formatStatus(s);
    this.statusItem.text = view.text;
    this.statusItem.tooltip = view.tooltip;
    this.statusItem.accessibilityInformation = { label: view.text.replace(/\$\([^)]*\)\s*/g, '') };
    this.statusItem.backgroundColor =
      view.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : view.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.statusItem.show();
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  /** manual: a user's "Restart Server", which also resets the crash count. */
  restart(manual: boolean): Promise<void> {
    if (manual) this.policy.reset();
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    this.settings = this.readSettings();
    this.traceChannel.setTrace(this.settings.trace);
    const trusted = vscode.workspace.isTrusted;
    const found = resolveServer({
      configuredPath: this.settings.serverPath,
      extensionPath: this.context.extensionPath,
      env: process.env,
      platform: process.platform,
      isFile: (p) => statIs(p, 'file'),
      isDirectory: (p) => statIs(p, 'dir'),
    });
    if (!found.ok) {
      this.log(found.message);
      this.setStatus({ kind: 'no-server', message: found.message });
      void this.showError(found.message, found.reason === 'setting-invalid' || found.reason === 'not-found');
      return;
    }
    const server = found.server;
    ensureExecutable(server);
    this.log(`starting ${server.command} ${server.args.join(' ')} (found: ${server.source})`);
    this.setStatus({ kind: 'starting' });

    const executable = {
      command: server.command,
      args: server.args,
      // Never the workspace folder in Restricted Mode (dotnet reads some files from its working directory).
      options: { cwd: trusted ? (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir()) : os.homedir(), env: process.env },
    };
    const serverOptions: ServerOptions = { run: executable, debug: executable };
    const clientOptions: LanguageClientOptions = {
      documentSelector: CSHARP_SELECTOR,
      outputChannel: this.output,
      traceOutputChannel: this.traceChannel as unknown as vscode.LogOutputChannel,
      // Files changed on disk reach the server's semantic model (workspace/didChangeWatchedFiles).
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.cs,*.csproj,*.props,project.assets.json}') },
      initializationOptions: serverPayload(this.settings, trusted),
      errorHandler: {
        error: (_error, _message, count) => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
        closed: () => this.onClosed(),
      },
      middleware: {
        provideCompletionItem: async (document, position, context, token, next) => {
          if (!this.settings.enable) return null;
          return keepServerOrderIn(await next(document, position, context, token));
        },
        provideInlineCompletionItems: async (document, position, context, token, next) => {
          if (!this.settings.enable || !this.settings.inline.enable) return null;
          return next(document, position, context, token);
        },
        workspace: {
          // Should the server register for didChangeConfiguration with a section, it gets the same validated,
          // trust-filtered payload as initializationOptions, not the raw settings (which include server.path).
          didChangeConfiguration: async (sections, next) => {
            if (sections === undefined) return next(undefined); // pull model: { settings: null }
            await client.sendNotification(DidChangeConfigurationNotification.type, {
              settings: serverPayload(this.readSettings(), vscode.workspace.isTrusted),
            });
          },
          // The server may pull its settings: answer with the same validated, trust-filtered object it gets pushed.
          configuration: async (params, token, next) => {
            const answer = await next(params, token);
            if (!Array.isArray(answer)) return answer;
            return params.items.map((item, i) =>
              item.section === SECTION ? toServerSettings(this.settings, vscode.workspace.isTrusted) : answer[i],
            );
          },
        },
      },
    };

    const client = new LanguageClient(SECTION, 'CompletionLsp', serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (this.client !== client) return;
      if (e.newState === State.Starting) this.setStatus({ kind: 'starting' });
      else if (e.newState === State.Running && this.status.kind !== 'server') {
        // Until the server's first completionLsp/status, ask it what it has loaded.
        if (this.settings.enable) void this.refreshStatusFromServer();
        else this.setStatus({ kind: 'disabled' });
      }
    });
    client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
      const st = parseStatus(params);
      if (!st || this.client !== client) return;
      this.statusNotifications++;
      this.log(`status: ${st.state}${st.modelPath ? ` ${st.modelPath}` : ''}${st.message ? ` (${st.message})` : ''}`);
      this.setStatus(this.settings.enable ? { kind: 'server', status: st } : { kind: 'disabled' });
    });
    try {
      await client.start();
      this.log(`server running (${server.file})`);
    } catch (e) {
      const message = `CompletionLsp: the server could not be started (${server.command} ${server.args.join(' ')}): ${errorText(e)}`;
      this.log(message);
      this.setStatus({ kind: 'stopped', message });
      void this.showError(message, false);
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.stopping = true;
    try {
      if (client.state !== State.Stopped) await client.stop(5000);
    } catch (e) {
      this.log(`stopping the server: ${errorText(e)}`);
    } finally {
      this.stopping = false;
      await client.dispose().catch(() => undefined);
    }
  }

  private onClosed() {
    if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
    const d = this.policy.onCrash();
    if (d.restart) {
      this.log(`the server stopped; restarting it (${d.recent} of ${this.policy.maxRestarts} restarts allowed in 3 minutes)`);
      this.setStatus({ kind: 'starting' });
      return { action: CloseAction.Restart, handled: true };
    }
    this.log(d.message ?? 'the server stopped');
    this.setStatus({ kind: 'stopped', message: d.message });
    void vscode.window.showErrorMessage(d.message ?? 'The CompletionLsp server stopped.', 'Restart Server', 'Show Output').then((pick) => {
      if (pick === 'Restart Server') void vscode.commands.executeCommand(Commands.restart);
      else if (pick === 'Show Output') this.output.show(true);
    });
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  private async showError(message: string, offerSettings: boolean): Promise<void> {
    const actions = offerSettings ? ['Open Settings', 'Show Output'] : ['Show Output'];
    const pick = await vscode.window.showErrorMessage(message, ...actions);
    if (pick === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'completionLsp.server.path');
    else if (pick === 'Show Output') this.output.show(true);
  }

  private onSettingsChanged(): void {
    const before = this.settings;
    const after = this.readSettings();
    this.settings = after;
    this.traceChannel.setTrace(after.trace);
    if (needsRestart(before, after) || !this.client) {
      this.log('server path changed: restarting the server');
      void this.restart(false);
      return;
    }
    if (this.client.state === State.Running) {
      void this.client
        .sendNotification(DidChangeConfigurationNotification.type, { settings: serverPayload(after, vscode.workspace.isTrusted) })
        .catch((e) => this.log(`didChangeConfiguration: ${errorText(e)}`));
    }
    if (before.enable !== after.enable) {
      this.setStatus(after.enable ? { kind: 'server', status: { state: 'none' } } : { kind: 'disabled' });
      if (after.enable) void this.refreshStatusFromServer();
    }
  }

  private async refreshStatusFromServer(): Promise<void> {
    const client = this.client;
    const seq = this.statusNotifications;
    const info = await this.request<ModelInfo>(MODEL_INFO_COMMAND, []).catch(() => undefined);
    // A completionLsp/status that arrived meanwhile is newer than this answer.
    if (!this.settings.enable || this.client !== client || this.statusNotifications !== seq) return;
    this.setStatus({
      kind: 'server',
      status: info?.loaded ? { state: 'loaded', modelPath: info.path ?? undefined } : { state: 'none' },
    });
  }

  /** A running client, or a message saying why there is none. */
  private runningClient(): LanguageClient | undefined {
    if (this.client && this.client.state === State.Running) return this.client;
    void vscode.window.showWarningMessage(
      'CompletionLsp: the server is not running. Open a C# file, or run "CompletionLsp: Restart Server" and look at the "CompletionLsp" output.',
    );
    return undefined;
  }

  private request<R>(command: string, args: unknown[], token?: vscode.CancellationToken, workDoneToken?: string): Promise<R> {
    const client = this.client;
    if (!client || client.state !== State.Running) return Promise.reject(new Error('server not running'));
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args, workDoneToken }, token) as Promise<R>;
  }

  async train(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'CompletionLsp: training is off in Restricted Mode, since it reads the whole workspace and writes a model file into it. Trust the workspace to train.',
      );
      return;
    }
    const root = await pickFolder();
    if (!root) return;
    const client = this.runningClient();
    if (!client) return;
    const args: TrainArgs = { root };
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'CompletionLsp: training', cancellable: true },
      async (progress, token) => {
        const workDoneToken = `completionLsp.train/${Date.now()}/${Math.random().toString(36).slice(2)}`;
        const mapper = new ProgressMapper((step) => progress.report(step));
        const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => mapper.handle(v));
        progress.report({ message: root });
        this.log(`training on ${root}`);
        try {
          const result = await withCancellationGrace(this.request<TrainResult>(TRAIN_COMMAND, [args], token, workDoneToken), token);
          if (result === cancelled) {
            this.log('training cancelled');
            void vscode.window.showInformationMessage('CompletionLsp: training cancelled; the previous model (if any) is still in use.');
            return;
          }
          const text = formatTrainResult(result);
          this.log(text);
          void vscode.window.showInformationMessage(text);
        } catch (e) {
          if (token.isCancellationRequested) {
            this.log('training cancelled');
            void vscode.window.showInformationMessage('CompletionLsp: training cancelled; the previous model (if any) is still in use.');
            return;
          }
          const message = `CompletionLsp: training failed: ${errorText(e)}`;
          this.log(message);
          void this.showError(message, false);
        } finally {
          sub.dispose();
        }
      },
    );
  }

  async showModelInfo(): Promise<void> {
    if (this.status.kind === 'no-server') {
      void this.showError(this.status.message, true);
      return;
    }
    if (!this.runningClient()) return;
    let info: ModelInfo;
    try {
      info = await this.request<ModelInfo>(MODEL_INFO_COMMAND, []);
    } catch (e) {
      void this.showError(`CompletionLsp: could not get the model info: ${errorText(e)}`, false);
      return;
    }
    const { summary, detail } = formatModelInfo(info ?? { loaded: false });
    this.log(`${summary}${detail ? `\n${detail}` : ''}`);
    if (!info?.loaded) {
      const actions = vscode.workspace.isTrusted ? ['Train Model'] : [];
      const pick = await vscode.window.showInformationMessage(`${summary} ${detail}`, ...actions);
      if (pick === 'Train Model') await vscode.commands.executeCommand(Commands.train);
      return;
    }
    await vscode.window.showInformationMessage(summary, { modal: true, detail });
  }

  dispose(): Promise<void> {
    const done = this.enqueue(() => this.doStop());
    return done.finally(() => {
      for (const d of this.disposables) d.dispose();
    });
  }
}

const cancelled = Symbol('cancelled');

/** The request's promise, or `cancelled` when the user cancelled and the server has not answered 10 s later. */
function withCancellationGrace<T>(p: Promise<T>, token: vscode.CancellationToken): Promise<T | typeof cancelled> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const sub = token.onCancellationRequested(() => {
      timer = setTimeout(() => resolve(cancelled), 10_000);
    });
    p.then(
      (v) => resolve(token.isCancellationRequested ? cancelled : v),
      (e) => (token.isCancellationRequested ? resolve(cancelled) : reject(e)),
    ).finally(() => {
      sub.dispose();
      if (timer) clearTimeout(timer);
    });
  });
}

async function pickFolder(): Promise<string | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  if (folders.length === 0) {
    void vscode.window.showWarningMessage('CompletionLsp: open a folder to train a model on it.');
    return undefined;
  }
  if (folders.length === 1) return folders[0].uri.fsPath;
  const pick = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Train a model on which folder?' });
  return pick?.uri.fsPath;
}

function statIs(p: string, kind: 'file' | 'dir'): boolean {
  try {
    const s = fs.statSync(p);
    return kind === 'file' ? s.isFile() : s.isDirectory();
  } catch {
    return false;
  }
}

/** A .vsix may lose the executable bit of a shipped apphost; put it back. */
function ensureExecutable(server: ServerCommand): void {
  if (process.platform === 'win32' || server.command !== server.file || server.source !== 'bundled') return;
  try {
    fs.accessSync(server.file, fs.constants.X_OK);
  } catch {
    try {
      fs.chmodSync(server.file, 0o755);
    } catch {
      /* spawn will report it */
    }
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const m = new ServerManager(context);
  manager = m;
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.train, () => m.train()),
    vscode.commands.registerCommand(Commands.modelInfo, () => m.showModelInfo()),
    vscode.commands.registerCommand(Commands.restart, () => m.restart(true)),
  );
  await m.start();
}

export async function deactivate(): Promise<void> {
  const m = manager;
  manager = undefined;
  await m?.dispose();
}
