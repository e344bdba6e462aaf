// End-to-end test of `completion-lsp serve` with a third-party LSP client: vscode-jsonrpc and
// vscode-languageserver-protocol, the libraries VS Code's language client is built on.
//
//   node e2e.mjs <completion-lsp.dll> <model file> <workspace folder>
//
// Starts the real server process, talks LSP over its stdin/stdout, and checks the answers.
// Prints "N passed, M failed" and exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import assert from 'node:assert/strict';
import rpc from 'vscode-jsonrpc/node';
import lsp from 'vscode-languageserver-protocol/node';

const { StreamMessageReader, StreamMessageWriter, createMessageConnection, CancellationTokenSource, ResponseError } = rpc;
const {
  InitializeRequest, InitializedNotification, DidOpenTextDocumentNotification, DidChangeTextDocumentNotification,
  CompletionRequest, InlineCompletionRequest, ExecuteCommandRequest, ShutdownRequest, ExitNotification,
  LogMessageNotification, WorkDoneProgressCreateRequest, InlineCompletionTriggerKind, CompletionItemKind,
} = lsp;

const [dll, model, workspace] = process.argv.slice(2);
if (!dll || !model || !workspace) {
  console.error('usage: node e2e.mjs <completion-lsp.dll> <model file> <workspace folder>');
  process.exit(2);
}

let passed = 0, failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.stack || e}`);
  }
}

const server = spawn('dotnet', [dll, 'serve', '--model', model], { stdio: ['pipe', 'pipe', 'pipe'] });
let stderr = '';
server.stderr.on('data', d => { stderr += d; });
const exited = new Promise(resolve => server.on('exit', code => resolve(code)));

const connection = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
const statuses = [];
const logs = [];
let statusWaiters = [];
connection.onNotification('completionLsp/status', s => {
  statuses.push(s);
  statusWaiters = statusWaiters.filter(w => !w(s));
});
connection.onNotification(LogMessageNotification.type, m => logs.push(m.message));
connection.onRequest(WorkDoneProgressCreateRequest.type, () => null);
connection.listen();

function waitForStatus(state, ms = 30000) {
  const seen = statuses.find(s => s.state === state);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status '${state}' (got ${JSON.stringify(statuses)})`)), ms);
    statusWaiters.push(s => { if (s.state !== state) return false; clearTimeout(timer); resolve(s); return true; });
  });
}

const uri = pathToFileURL(path.join(workspace, 'E2e.cs')).href;
const lines = ['using System;', 'class P', '{', '    static void Main()', '    {', '        Console.Error.WriteL', '    }', '}', ''];
const caret = { line: 5, character: lines[5].length };

try {
  let init;
  await check('initialize advertises completion, inline completion and commands', async () => {
    init = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'vscode-jsonrpc e2e' },
      rootUri: pathToFileURL(workspace).href,
      workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'ws' }],
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        window: { workDoneProgress: true },
        textDocument: { completion: { completionItem: { labelDetailsSupport: true } }, inlineCompletion: {} },
      },
    });
    const caps = init.capabilities;
    assert.equal(caps.positionEncoding, 'utf-16');
    assert.deepEqual(caps.completionProvider.triggerCharacters, ['.']);
    assert.ok(caps.inlineCompletionProvider);
    assert.equal(caps.textDocumentSync.change, 2);
    assert.deepEqual(caps.executeCommandProvider.commands, ['completionLsp.train', 'completionLsp.modelInfo']);
    await connection.sendNotification(InitializedNotification.type, {});
  });

  await check('the model loads and its status is sent', async () => {
    const s = await waitForStatus('loaded');
    assert.equal(path.resolve(s.modelPath), path.resolve(model));
  });

  await connection.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'csharp', version: 1, text: lines.join('\n') },
  });

  await check('completion ranks WriteLine first, replacing the typed prefix', async () => {
    const list = await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: caret });
    assert.equal(list.isIncomplete, true);
    const top = list.items[0];
    assert.equal(top.label, 'WriteLine');
    assert.equal(top.kind, CompletionItemKind.Method);
    assert.deepEqual(top.textEdit.range, { start: { line: 5, character: caret.character - 'WriteL'.length }, end: caret });
    assert.match(top.labelDetails.description, /%$/);
    const sorted = [...list.items].map(i => i.sortText);
    assert.deepEqual(sorted, [...sorted].sort());
  });

  await check('inline completion suggests the rest of the line', async () => {
    const at = caret;
    const result = await connection.sendRequest(InlineCompletionRequest.type, {
      textDocument: { uri }, position: at, context: { triggerKind: InlineCompletionTriggerKind.Invoked },
    });
    const items = Array.isArray(result) ? result : result.items;
    assert.ok(items.length >= 1 && items.length <= 3, JSON.stringify(result));
    for (const item of items) {
      assert.ok(item.insertText.startsWith('WriteL'), item.insertText);
      assert.equal(item.range.end.line, 5);
      assert.equal(item.range.start.line, 5);
    }
    const auto = await connection.sendRequest(InlineCompletionRequest.type, {
      textDocument: { uri }, position: at, context: { triggerKind: InlineCompletionTriggerKind.Automatic },
    });
    assert.ok(auto.items.length <= 1);
  });

  await check('an incremental edit then a completion after "("', async () => {
    await connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: caret, end: caret }, text: 'ine(' }],
    });
    const after = { line: 5, character: caret.character + 4 };
    const list = await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: after });
    assert.ok(list.items.length > 0);
    assert.deepEqual(list.items[0].textEdit.range, { start: after, end: after });
  });

  await check('a cancelled request is answered RequestCancelled or in time', async () => {
    const cts = new CancellationTokenSource();
    const p = connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: caret }, cts.token);
    cts.cancel();
    try { await p; } catch (e) { assert.ok(e instanceof ResponseError && e.code === -32800, String(e)); }
  });

  await check('modelInfo describes the model', async () => {
    const info = await connection.sendRequest(ExecuteCommandRequest.type, { command: 'completionLsp.modelInfo' });
    assert.equal(info.loaded, true);
    assert.ok(info.files > 0 && info.tokens > 0 && info.vocabulary > 0);
  });

  await check('an unknown method is MethodNotFound', async () => {
    await assert.rejects(connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: caret }),
      e => e instanceof ResponseError && e.code === -32601);
  });

  await check('shutdown and exit end the process with code 0', async () => {
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    const code = await Promise.race([exited, new Promise(r => setTimeout(() => r('timeout'), 15000))]);
    assert.equal(code, 0);
  });
} finally {
  connection.dispose();
  if (server.exitCode === null) server.kill();
}

if (failed > 0) console.log('server stderr:\n' + stderr);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
