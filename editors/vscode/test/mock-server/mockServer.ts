#!/usr/bin/env node
// A TEST DOUBLE for `completion-lsp serve`, not the real server. It speaks just enough LSP over stdio for the
// extension's end-to-end test to run before the real server exists: it keeps the open documents' text and
// answers textDocument/completion and textDocument/inlineCompletion by writing the document to a temporary
// file and running the real CLI (`completion-lsp complete`), so that its answers are the model's. It also
// implements the completionLsp.train / completionLsp.modelInfo commands and the completionLsp/status
// notification of the protocol contract.
//
// Usage: mockServer.js serve        (env COMPLETION_LSP_CLI: the command line of the CLI, default
//                                    "dotnet <repo>/artifacts/server/completion-lsp.dll")
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const repo = path.resolve(__dirname, '..', '..', '..', '..', '..');
const cli = (process.env.COMPLETION_LSP_CLI ?? `dotnet ${path.join(repo, 'artifacts', 'server', 'completion-lsp.dll')}`).split(' ');
const log = (m: string) => process.stderr.write(`[mock-server] ${m}\n`);

const docs = new Map<string, string>();
let root: string | undefined;
let settings: Json = {};


function send(msg: Json): void {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}

function modelPath(): string | undefined {
  const configured = settings?.completionLsp?.modelPath;
  if (typeof configured === 'string' && fs.existsSync(configured)) return configured;
  if (settings?.completionLsp?.workspaceTrusted === false) return undefined;
  const p = root ? path.join(root, '.completion-lsp', 'model') : undefined;
  return p && fs.existsSync(p) ? p : undefined;
}

function status(): void {
  const m = modelPath();
  send({ method: 'completionLsp/status', params: m ? { state: 'loaded', modelPath: m } : { state: 'none' } });
}

/** Runs `complete` on the document as it is now; line/character are 0-based LSP positions. */
function runComplete(uri: string, line: number, character: number, extra: string[]): string {
  const text = docs.get(uri);
  if (text === undefined) return '';
  const tmp = path.join(os.tmpdir(), `mock-cls-${process.pid}.cs`);
  fs.writeFileSync(tmp, text);
  const m = modelPath();
  const r = spawnSync(cli[0], [...cli.slice(1), 'complete', `${tmp}:${line + 1}:${character + 1}`, ...(m ? ['--model', m] : []), ...extra], {
    encoding: 'utf8',
  });
  if (r.status !== 0) log(`complete failed: ${r.stderr}`);
  return r.stdout ?? '';
}

const KIND: Record<string, number> = { keyword: 14, variable: 6, method: 2, property: 10, type: 7, operator: 24, value: 12 };

function completion(params: Json): Json {
  const { line, character } = params.position;
  const max = settings?.completionLsp?.maxItems ?? 20;
  const out = runComplete(params.textDocument.uri, line, character, ['-n', String(max)]);
  let prefix = '';
  const items: Json[] = [];
  for (const l of out.split('\n')) {
    const p = /^prefix '(.*)'$/.exec(l);
    if (p) prefix = p[1];
    const m = /^\s*\d+\.\s+[\d.]+ %\s{2}(\S+)\s+(\w+)\s*$/.exec(l);
    if (m) {
      const range = { start: { line, character: character - prefix.length }, end: { line, character } };
      // No sortText on purpose: the extension must keep this order by itself.
      items.push({ label: m[1], kind: KIND[m[2]] ?? 1, textEdit: { range, newText: m[1] } });
    }
  }
  return { isIncomplete: false, items };
}

function inlineCompletion(params: Json): Json {
  if (settings?.completionLsp?.inline?.enable === false) return { items: [] };
  const { line, character } = params.position;
  const out = runComplete(params.textDocument.uri, line, character, ['--line', '-n', '1']);
  const m = /^\s*[\d.]+ %\s{2}(.+)$/m.exec(out);
  if (!m) return { items: [] };
  return { items: [{ insertText: m[1], range: { start: { line, character }, end: { line, character } } }] };
}

function train(id: number | string, params: Json): void {
  const target = params.arguments?.[0]?.root ?? root;
  const token = params.workDoneToken;
  const progress = (value: Json) => token !== undefined && send({ method: '$/progress', params: { token, value } });
  progress({ kind: 'begin', title: 'Training', cancellable: true, percentage: 0 });
  send({ method: 'completionLsp/status', params: { state: 'training' } });
  const started = Date.now();
  const child = spawn(cli[0], [...cli.slice(1), 'train', target], { stdio: ['ignore', 'pipe', 'pipe'] });
  pending.set(id, () => child.kill());
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => {
    for (const l of d.toString().split(/[\r\n]+/)) {
      const pct = /(\d+)\/(\d+)/.exec(l);
      if (l.trim()) progress({ kind: 'report', message: l.trim().slice(0, 80), percentage: pct ? Math.floor((100 * +pct[1]) / +pct[2]) : undefined });
    }
  });
  child.on('close', (code) => {
    pending.delete(id);
    progress({ kind: 'end' });
    if (code !== 0) {
      send({ id, error: { code: code === null ? -32800 : -32603, message: code === null ? 'cancelled' : `train exited with ${code}` } });
    } else {
      const files = /files\s+(\d+)/.exec(stdout);
      const tokens = /tokens\s+([\d,]+)/.exec(stdout);
      send({
        id,
        result: {
          modelPath: path.join(target, '.completion-lsp', 'model'),
          files: files ? +files[1] : 0,
          tokens: tokens ? +tokens[1].replace(/,/g, '') : 0,
          seconds: (Date.now() - started) / 1000,
        },
      });
    }
    status();
  });
}

/** The contract's modelInfo, from the text of `completion-lsp info <model>`. */
function modelInfo(m: string): Json {
  const r = spawnSync(cli[0], [...cli.slice(1), 'info', m], { encoding: 'utf8' });
  const out = r.stdout ?? '';
  const field = (re: RegExp) => re.exec(out)?.[1];
  const int = (v: string | undefined) => (v === undefined ? null : Number(v.replace(/,/g, '')));
  return {
    loaded: true,
    path: m,
    files: int(field(/^source\s+.*\((\d[\d,]*) files/m)),
    tokens: int(field(/^tokens\s+([\d,]+)/m)),
    vocabulary: int(field(/^vocabulary\s+([\d,]+)/m)),
    order: int(field(/^n-gram\s+order (\d+)/m)),
    smoothing: field(/^n-gram\s+order \d+, (.+)$/m) ?? null,
    models: (field(/^models\s+(.+)$/m) ?? 'ngram, cache').split(/,\s*/),
    sourceRoot: field(/^source\s+(\S+)/m) ?? root ?? null,
    createdUtc: field(/^trained\s+(\S+ \S+)/m) ?? null,
  };
}

const pending = new Map<number | string, () => void>();

function handle(msg: Json): void {
  const { id, method, params } = msg;
  switch (method) {
    case 'initialize':
      root = params.rootUri ? fileURLToPath(params.rootUri) : (params.rootPath ?? undefined);
      settings = params.initializationOptions ?? {};
      send({
        id,
        result: {
          capabilities: {
            textDocumentSync: { openClose: true, change: 1 },
            completionProvider: { triggerCharacters: ['.'] },
            inlineCompletionProvider: {},
            executeCommandProvider: { commands: ['completionLsp.train', 'completionLsp.modelInfo'] },
          },
          serverInfo: { name: 'completion-lsp mock (test double)' },
        },
      });
      return;
    case 'initialized':
      status();
      return;
    case 'shutdown':
      send({ id, result: null });
      return;
    case 'exit':
      process.exit(0);
    case 'textDocument/didOpen':
      docs.set(params.textDocument.uri, params.textDocument.text);
      return;
    case 'textDocument/didChange':
      docs.set(params.textDocument.uri, params.contentChanges[params.contentChanges.length - 1].text);
      return;
    case 'textDocument/didClose':
      docs.delete(params.textDocument.uri);
      return;
    case 'workspace/didChangeConfiguration':
      settings = params.settings ?? {};
      return;
    case 'textDocument/completion':
      send({ id, result: completion(params) });
      return;
    case 'textDocument/inlineCompletion':
      send({ id, result: inlineCompletion(params) });
      return;
    case 'workspace/executeCommand':
      if (params.command === 'completionLsp.train') return train(id, params);
      if (params.command === 'completionLsp.modelInfo') {
        const m = modelPath();
        send({ id, result: m ? modelInfo(m) : { loaded: false } });
        return;
      }
      send({ id, error: { code: -32601, message: `unknown command ${params.command}` } });
      return;
    case '$/cancelRequest':
      pending.get(params.id)?.();
      return;
    default:
      if (id !== undefined && method !== undefined) send({ id, error: { code: -32601, message: `not implemented: ${method}` } });
  }
}

let buffer = Buffer.alloc(0);
process.stdin.on('data', (chunk: Buffer) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const header = buffer.subarray(0, headerEnd).toString('ascii');
    const len = /Content-Length: (\d+)/i.exec(header);
    if (!len) throw new Error(`bad header: ${header}`);
    const end = headerEnd + 4 + Number(len[1]);
    if (buffer.length < end) return;
    const body = buffer.subarray(headerEnd + 4, end).toString('utf8');
    buffer = buffer.subarray(end);
    try {
      handle(JSON.parse(body));
    } catch (e) {
      log(`error: ${(e as Error).stack}`);
    }
  }
});
process.stdin.on('end', () => process.exit(0));

