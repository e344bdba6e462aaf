// completionLsp.trace.server, made to do what it says. vscode-languageclient 11 traces the LSP messages into a log
// output channel only while that channel's log level is Trace (which users set with "Developer: Set Log Level",
// not with the setting), and then treats "off" as "messages". The client is given this view of the CompletionLsp
// output as its trace channel instead: its log level is Trace exactly when the setting is not "off", and the trace
// lines are written at info level, so they reach the output (and its log file) whatever the output's own level.
// No `vscode` import: the output channel, the event and the LogLevel values are passed in.
import type { Trace } from './settings';

/** The members of vscode.LogOutputChannel that this view uses or passes through. */
export interface LogChannelLike {
  readonly name: string;
  readonly logLevel: number;
  append(value: string): void;
  appendLine(value: string): void;
  replace(value: string): void;
  clear(): void;
  show(preserveFocus?: boolean): void;
  hide(): void;
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(error: string | Error, ...args: unknown[]): void;
}

/** vscode.LogLevel's values (Trace = 1, Info = 3). */
export interface LogLevels {
  Trace: number;
  Info: number;
}

type Listener = (level: number) => void;

export class TraceChannel {
  private trace_: Trace;
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly base: LogChannelLike,
    trace: Trace,
    private readonly levels: LogLevels,
  ) {
    this.trace_ = trace;
  }

  get name(): string {
    return this.base.name;
  }

  /** Trace while completionLsp.trace.server is "messages" or "verbose"; then vscode-languageclient traces. */
  get logLevel(): number {
    return this.trace_ === 'off' ? this.levels.Info : this.levels.Trace;
  }

  /** vscode.Event<LogLevel>: the client listens to it and sends $/setTrace when it fires. */
  readonly onDidChangeLogLevel = (listener: Listener): { dispose(): void } => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  /** A new value of completionLsp.trace.server: the client (and the server, through $/setTrace) follow at once. */
  setTrace(trace: Trace): void {
    if (trace === this.trace_) return;
    const before = this.logLevel;
    this.trace_ = trace;
    if (this.logLevel !== before) for (const l of [...this.listeners]) l(this.logLevel);
  }

  trace(message: string, ...args: unknown[]): void {
    if (this.trace_ !== 'off') this.base.info(message, ...args);
  }

  debug(message: string, ...args: unknown[]): void {
    this.base.debug(message, ...args);
  }
  info(message: string, ...args: unknown[]): void {
    this.base.info(message, ...args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.base.warn(message, ...args);
  }
  error(error: string | Error, ...args: unknown[]): void {
    this.base.error(error, ...args);
  }
  append(value: string): void {
    this.base.append(value);
  }
  appendLine(value: string): void {
    this.base.appendLine(value);
  }
  replace(value: string): void {
    this.base.replace(value);
  }
  clear(): void {
    this.base.clear();
  }
  show(preserveFocus?: boolean): void {
    this.base.show(preserveFocus);
  }
  hide(): void {
    this.base.hide();
  }
  /** The CompletionLsp output belongs to the extension, not to one client: disposing this view leaves it open. */
  dispose(): void {
    this.listeners.clear();
  }
}
