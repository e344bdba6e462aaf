// Measures how fast a completion-lsp server starts, as the extension starts it: spawn, LSP initialize, open a
// C# file, first completion answer, semantic model ready. Used for the figures in README.md (self-contained
// apphost vs. `dotnet completion-lsp.dll`, with and without ReadyToRun).
// Usage: node scripts/start-time.mjs [--runs N] [--file F.cs --line L --col C] [--root DIR] -- <command> [args...]
// (the command without `serve`, e.g. `-- artifacts/server/completion-lsp` or `-- dotnet artifacts/server/completion-lsp.dll`).
// Prints one line per run and the medians, in milliseconds.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
if (dash < 0 || dash === argv.length - 1) {
  console.error('usage: node scripts/start-time.mjs [--runs N] [--file F.cs --line L --col C] [--root DIR] -- <command> [args...]');
  process.exit(2);
}
const opts = argv.slice(0, dash);
const command = argv.slice(dash + 1).map((a) => (a.includes('/') && fs.existsSync(a) ? path.resolve(a) : a));
const opt = (name, fallback) => {
  const i = opts.indexOf(name);
  return i >= 0 ? opts[i + 1] : fallback;
};
const runs = Number(opt('--runs', '5'));
const file = path.resolve(opt('--file', ''));
const line = Number(opt('--line', '1')) - 1;
const character = Number(opt('--col', '1')) - 1;
const root = path.resolve(opt('--root', path.dirname(file)));
const text = fs.readFileSync(file, 'utf8');

function once() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(command[0], [...command.slice(1), 'serve'], { cwd: root, stdio: ['pipe', 'pipe', 'ignore'] });
    const marks = {};
    // CPU time of the server so far (user + system, ms; Linux): steadier than wall time on a busy machine.
    const cpu = () => {
      try {
        const st = fs.readFileSync(`/proc/${p.pid}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        return Math.round(((Number(f[11]) + Number(f[12])) * 1000) / 100);
      } catch {
        return NaN;
      }
    };
    let buf = Buffer.alloc(0);
    let id = 0;
    const pending = new Map();
    const send = (msg) => {
      const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }));
      p.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
      p.stdin.write(body);
    };
    const request = (method, params) =>
      new Promise((res) => {
        const n = ++id;
        pending.set(n, res);
        send({ id: n, method, params });
      });
    const done = () => {
      if (marks.semantic === undefined || marks.completion === undefined) return;
      p.kill();
      resolve(marks);
    };
    p.on('error', reject);
    p.on('exit', (code) => {
      if (marks.semantic === undefined || marks.completion === undefined) reject(new Error(`server exited (${code}) early`));
    });
    p.stdout.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const sep = buf.indexOf('\r\n\r\n');
        if (sep < 0) return;
        const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, sep).toString())[1]);
        if (buf.length < sep + 4 + len) return;
        const msg = JSON.parse(buf.subarray(sep + 4, sep + 4 + len).toString());
        buf = buf.subarray(sep + 4 + len);
        if (msg.id !== undefined && pending.has(msg.id)) {
          pending.get(msg.id)(msg.result);
          pending.delete(msg.id);
        } else if (msg.id !== undefined && msg.method) {
          send({ id: msg.id, result: null }); // a server-to-client request
        } else if (msg.method === 'completionLsp/status' && msg.params?.semantic === 'ready' && marks.semantic === undefined) {
          marks.semantic = Math.round(performance.now() - t0);
          marks.semanticCpu = cpu();
          done();
        }
      }
    });
    (async () => {
      const uri = pathToFileURL(file).href;
      await request('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(root).href,
        workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'ws' }],
        capabilities: { textDocument: { completion: { completionItem: {} } } },
        initializationOptions: { completionLsp: {} },
      });
      marks.initialize = Math.round(performance.now() - t0);
      send({ method: 'initialized', params: {} });
      send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'csharp', version: 1, text } } });
      const r = await request('textDocument/completion', { textDocument: { uri }, position: { line, character } });
      const items = Array.isArray(r) ? r : (r?.items ?? []);
      marks.completion = Math.round(performance.now() - t0);
      marks.completionCpu = cpu();
      marks.items = items.length;
      done();
    })().catch(reject);
  });
}

const all = [];
for (let i = 0; i < runs; i++) {
  const m = await once();
  console.log(`run ${i + 1}: initialize ${m.initialize} ms, first completion ${m.completion} ms (${m.items} items), semantic ready ${m.semantic} ms; CPU ${m.completionCpu} / ${m.semanticCpu} ms`);
  all.push(m);
}
const median = (k) => {
  const v = all.map((m) => m[k]).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
console.log(`median of ${runs}: initialize ${median('initialize')} ms, first completion ${median('completion')} ms, semantic ready ${median('semantic')} ms; CPU at first completion ${median('completionCpu')} ms, at semantic ready ${median('semanticCpu')} ms`);
