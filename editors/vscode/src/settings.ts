// The extension's settings, typed in one place and read by one function (readSettings).
// No `vscode` import: the configuration object is passed in, so this runs under plain Node in unit tests.
import * as os from 'node:os';
import * as path from 'node:path';

export type Device = 'auto' | 'cpu' | 'cuda';
export type Trace = 'off' | 'messages' | 'verbose';

/** Everything under "completionLsp" in the user's settings, validated. */
export interface Settings {
  /** completionLsp.server.path: explicit path to the server executable, a .dll, or a folder holding either. */
  serverPath: string | undefined;
  /** completionLsp.modelPath: model file to load instead of <workspace>/.completion-lsp/model. */
  modelPath: string | undefined;
  /** completionLsp.models: which models to combine ("ngram", "cache", neural ones such as "lstm", "gru"). */
  models: string[];
  /** completionLsp.maxItems: longest completion list the server returns. */
  maxItems: number;
  /** completionLsp.enable: completions on or off without uninstalling. */
  enable: boolean;
  /** completionLsp.inline.*: ghost-text (inline) suggestions. */
  inline: { enable: boolean; minProbability: number };
  /** completionLsp.device: where neural models run. */
  device: Device;
  /** completionLsp.semantic.enable: Roslyn's semantic model decides which names are legal at the caret. */
  semantic: { enable: boolean };
  /** completionLsp.trace.server: LSP message tracing (read by vscode-languageclient itself too). */
  trace: Trace;
}

/** The part of the settings that the server receives (initializationOptions and didChangeConfiguration). */
export interface ServerSettings {
  modelPath?: string;
  models: string[];
  maxItems: number;
  enable: boolean;
  inline: { enable: boolean; minProbability: number };
  device: Device;
  semantic: { enable: boolean };
  /**
   * Sent only in Restricted Mode, as false: the server must then load no model file from the workspace (neither
   * <workspace>/.completion-lsp/model nor any other) and only read the text of the open .cs files.
   * Absent in a trusted workspace.
   */
  workspaceTrusted?: false;
}

/** Section name; also vscode-languageclient's client id, so that it reads completionLsp.trace.server. */
export const SECTION = 'completionLsp';

/** Settings that a workspace may not set in Restricted Mode (also declared in package.json). */
export const RESTRICTED_KEYS = ['server.path', 'modelPath'] as const;

/** The model names the server accepts in completionLsp.models (its ServerSettings.KnownModels, less the two cache halves). */
export const KNOWN_MODELS = ['ngram', 'cache', 'ffnn', 'rnn', 'lstm', 'gru', 'bilstm'] as const;

export const DEFAULTS: Readonly<Settings> = Object.freeze({
  serverPath: undefined,
  modelPath: undefined,
  models: [...KNOWN_MODELS],
  maxItems: 20,
  enable: true,
  inline: Object.freeze({ enable: true, minProbability: 0.03 }),
  device: 'auto' as Device,
  semantic: Object.freeze({ enable: true }),
  trace: 'off' as Trace,
});

export interface InspectResult<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/** The subset of vscode.WorkspaceConfiguration (for section "completionLsp") that readSettings uses. */
export interface ConfigurationLike {
  get<T>(key: string): T | undefined;
  inspect<T>(key: string): InspectResult<T> | undefined;
}

export interface ReadContext {
  /** vscode.workspace.isTrusted */
  trusted: boolean;
  /** First workspace folder (file system path), for relative paths and ${workspaceFolder}. */
  workspaceFolder?: string;
  homeDir?: string;
}

/** Reads and validates all settings. In Restricted Mode, restricted keys take only user (global) values. */
export function readSettings(config: ConfigurationLike, ctx: ReadContext): Settings {
  const value = <T>(key: string): T | undefined => {
    if (!ctx.trusted && (RESTRICTED_KEYS as readonly string[]).includes(key)) {
      const i = config.inspect<T>(key);
      return i?.globalValue ?? i?.defaultValue;
    }
    return config.get<T>(key);
  };
  const pathCtx = { workspaceFolder: ctx.workspaceFolder, homeDir: ctx.homeDir };
  return {
    serverPath: resolveUserPath(value<string>('server.path'), pathCtx),
    modelPath: resolveUserPath(value<string>('modelPath'), pathCtx),
    models: stringList(value<unknown>('models'), DEFAULTS.models),
    maxItems: clampInt(value<unknown>('maxItems'), 1, 1000, DEFAULTS.maxItems),
    enable: bool(value<unknown>('enable'), DEFAULTS.enable),
    inline: {
      enable: bool(value<unknown>('inline.enable'), DEFAULTS.inline.enable),
      minProbability: clampNumber(value<unknown>('inline.minProbability'), 0, 1, DEFAULTS.inline.minProbability),
    },
    device: oneOf(value<unknown>('device'), ['auto', 'cpu', 'cuda'] as const, DEFAULTS.device),
    semantic: { enable: bool(value<unknown>('semantic.enable'), DEFAULTS.semantic.enable) },
    trace: oneOf(value<unknown>('trace.server'), ['off', 'messages', 'verbose'] as const, DEFAULTS.trace),
  };
}

/** What the server is told: initializationOptions and workspace/didChangeConfiguration both carry { completionLsp: this }. */
export function toServerSettings(s: Settings, trusted: boolean): ServerSettings {
  // Restricted Mode without a model file of the user's own: only the cache model, which reads the open files'
  // text, so that no model file from the workspace is loaded.
  const models = trusted || s.modelPath !== undefined ? [...s.models] : ['cache'];
  const out: ServerSettings = {
    models,
    maxItems: s.maxItems,
    enable: s.enable,
    inline: { ...s.inline },
    device: s.device,
    semantic: { ...s.semantic },
  };
  if (s.modelPath !== undefined) out.modelPath = s.modelPath;
  if (!trusted) out.workspaceTrusted = false;
  return out;
}

export function serverPayload(s: Settings, trusted: boolean): { [SECTION]: ServerSettings } {
  return { [SECTION]: toServerSettings(s, trusted) };
}

/** True when a change of these settings needs a new server process rather than a didChangeConfiguration. */
export function needsRestart(before: Settings, after: Settings): boolean {
  return before.serverPath !== after.serverPath;
}

/** Expands ~ and ${workspaceFolder}; a relative path is taken from the workspace folder. Empty means unset. */
export function resolveUserPath(
  p: string | undefined | null,
  ctx: { workspaceFolder?: string; homeDir?: string },
): string | undefined {
  if (typeof p !== 'string') return undefined;
  let s = p.trim();
  if (s === '') return undefined;
  if (s.includes('${workspaceFolder}')) {
    if (!ctx.workspaceFolder) return undefined;
    s = s.split('${workspaceFolder}').join(ctx.workspaceFolder);
  }
  const home = ctx.homeDir ?? os.homedir();
  if (s === '~') s = home;
  else if (s.startsWith('~/') || s.startsWith('~\\')) s = path.join(home, s.slice(2));
  if (!path.isAbsolute(s) && ctx.workspaceFolder) s = path.join(ctx.workspaceFolder, s);
  return path.normalize(s);
}

function stringList(v: unknown, fallback: readonly string[]): string[] {
  if (!Array.isArray(v)) return [...fallback];
  const out: string[] = [];
  for (const x of v) {
    if (typeof x !== 'string') continue;
    const name = x.trim().toLowerCase();
    if (name !== '' && !out.includes(name)) out.push(name);
  }
  return out.length > 0 ? out : [...fallback];
}

function clampInt(v: unknown, lo: number, hi: number, fallback: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, Math.round(v)));
}

function clampNumber(v: unknown, lo: number, hi: number, fallback: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, v));
}

function bool(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}
