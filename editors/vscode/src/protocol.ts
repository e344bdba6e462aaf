// The CompletionLsp-specific parts of the protocol between this extension and `completion-lsp serve`.
// Plain types and names only (no `vscode` import).

/** workspace/executeCommand commands the server implements. */
export const TRAIN_COMMAND = 'completionLsp.train';
export const MODEL_INFO_COMMAND = 'completionLsp.modelInfo';

/** Server -> client notification. */
export const STATUS_NOTIFICATION = 'completionLsp/status';

export type ModelState = 'none' | 'loaded' | 'training' | 'error';

export interface StatusParams {
  state: ModelState;
  modelPath?: string;
  message?: string;
  /** The semantic model: still loading, or ready (absent when it is off). */
  semantic?: 'loading' | 'ready';
}

export interface TrainArgs {
  root: string;
}

export interface TrainResult {
  modelPath: string;
  files: number;
  tokens: number;
  seconds: number;
}

export interface ModelInfo {
  loaded: boolean;
  path?: string | null;
  files?: number | null;
  tokens?: number | null;
  vocabulary?: number | null;
  order?: number | null;
  smoothing?: string | null;
  models?: string[] | null;
  sourceRoot?: string | null;
  createdUtc?: string | null;
}

const STATES: readonly ModelState[] = ['none', 'loaded', 'training', 'error'];

/** Checks a completionLsp/status payload; anything malformed becomes undefined (and is ignored). */
export function parseStatus(p: unknown): StatusParams | undefined {
  if (typeof p !== 'object' || p === null) return undefined;
  const o = p as Record<string, unknown>;
  if (typeof o.state !== 'string' || !(STATES as readonly string[]).includes(o.state)) return undefined;
  const out: StatusParams = { state: o.state as ModelState };
  if (typeof o.modelPath === 'string') out.modelPath = o.modelPath;
  if (typeof o.message === 'string') out.message = o.message;
  if (o.semantic === 'loading' || o.semantic === 'ready') out.semantic = o.semantic;
  return out;
}
