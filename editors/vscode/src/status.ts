// Text for the status bar item and the info/train messages. No `vscode` import.
import type { ModelInfo, StatusParams, TrainResult } from './protocol';

/** What the status bar shows: the server's last completionLsp/status, or the client's own state before/after it. */
export type ClientStatus =
  | { kind: 'starting' }
  | { kind: 'stopped'; message?: string }
  | { kind: 'no-server'; message: string }
  | { kind: 'disabled' }
  | { kind: 'server'; status: StatusParams };

export interface StatusView {
  /** Status bar text, with $(codicon) names. */
  text: string;
  tooltip: string;
  severity: 'normal' | 'warning' | 'error';
}

export const STATUS_NAME = 'CompletionLsp';

export function formatStatus(s: ClientStatus): StatusView {
  switch (s.kind) {
    case 'starting':
      return { text: '$(loading~spin) CompletionLsp: starting', tooltip: 'Starting the CompletionLsp server…', severity: 'normal' };
    case 'stopped':
      return {
        text: '$(debug-disconnect) CompletionLsp: stopped',
        tooltip: s.message ?? 'The CompletionLsp server is not running. Run "CompletionLsp: Restart Server".',
        severity: 'error',
      };
    case 'no-server':
      return { text: '$(warning) CompletionLsp: no server', tooltip: s.message, severity: 'error' };
    case 'disabled':
      return { text: '$(circle-slash) CompletionLsp: off', tooltip: 'Completions are off ("completionLsp.enable").', severity: 'normal' };
    case 'server':
      return formatServerStatus(s.status);
  }
}

function formatServerStatus(st: StatusParams): StatusView {
  const detail = st.message ? `\n${st.message}` : '';
  switch (st.state) {
    case 'loaded':
      return {
        text: `$(check) CompletionLsp: model loaded${st.semantic === 'ready' ? ' · semantic' : ''}`,
        tooltip:
          `Model loaded${st.modelPath ? `: ${st.modelPath}` : ''}${detail}` +
          (st.semantic === 'ready' ? '\nSemantic model ready: only legal names are listed.' : st.semantic === 'loading' ? '\nSemantic model loading…' : '') +
          '\nClick for model info.',
        severity: 'normal',
      };
    case 'training':
      return {
        text: '$(sync~spin) CompletionLsp: training',
        tooltip: `Training a model on the workspace…${detail}`,
        severity: 'normal',
      };
    case 'none':
      return {
        text: '$(circle-outline) CompletionLsp: no model',
        tooltip:
          'No trained model: completions come from the open files only.' +
          `${detail}\nRun "CompletionLsp: Train Model on Workspace".`,
        severity: 'warning',
      };
    case 'error':
      return {
        text: '$(error) CompletionLsp: error',
        tooltip: `${st.message ?? 'The server reported an error.'}${st.modelPath ? `\nModel: ${st.modelPath}` : ''}`,
        severity: 'error',
      };
  }
}

const nf = new Intl.NumberFormat('en-US');

function isNum(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

function num(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? nf.format(n) : '?';
}

/** First line and detail lines of "CompletionLsp: Show Model Info". */
export function formatModelInfo(info: ModelInfo): { summary: string; detail: string } {
  if (!info.loaded) {
    return {
      summary: 'CompletionLsp: no model loaded.',
      detail:
        'Completions use the open files only. Run "CompletionLsp: Train Model on Workspace" to train a model ' +
        'on this workspace (saved to .completion-lsp/model).',
    };
  }
  const parts: string[] = [];
  if (isNum(info.files)) parts.push(`${num(info.files)} files`);
  if (isNum(info.tokens)) parts.push(`${num(info.tokens)} tokens`);
  if (isNum(info.vocabulary)) parts.push(`vocabulary ${num(info.vocabulary)}`);
  if (isNum(info.order)) parts.push(`order ${info.order}`);
  const lines: string[] = [];
  if (info.path) lines.push(`Model: ${info.path}`);
  if (info.models && info.models.length > 0) lines.push(`Models: ${info.models.join(', ')}`);
  if (info.smoothing) lines.push(`Smoothing: ${info.smoothing}`);
  if (info.sourceRoot) lines.push(`Trained on: ${info.sourceRoot}`);
  if (info.createdUtc) lines.push(`Created: ${info.createdUtc}`);
  const summary = parts.length > 0 ? `CompletionLsp model: ${parts.join(', ')}.` : 'CompletionLsp model loaded.';
  return { summary, detail: lines.join('\n') };
}

export function formatTrainResult(r: TrainResult): string {
  const secs = typeof r.seconds === 'number' ? (r.seconds < 10 ? r.seconds.toFixed(1) : Math.round(r.seconds).toString()) : '?';
  return `CompletionLsp: trained on ${num(r.files)} files (${num(r.tokens)} tokens) in ${secs} s. Model: ${r.modelPath}`;
}
