/// <reference lib="dom" />
// End-to-end test of the extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3) driven through
// Debian's Chromium with playwright-core:
//   1. installs code-server if needed (../shared/tools/install-code-server.sh, beside the repository clone),
//   2. publishes the self-contained server into <repo>/artifacts/server-linux-x64 if it is missing, and packages
//      the .vsix (scripts/package.mjs), which ships that server; checks the .vsix's size,
//   3. makes a fixture workspace (the repository's src/CompletionLsp.Core/**/*.cs plus Demo.cs) and trains a
//      model on it with `completion-lsp train`,
//   4. installs the .vsix into a fresh extensions dir, starts code-server with a fresh user-data-dir and with
//      NO `dotnet` on PATH (nor DOTNET_ROOT): the extension must start the server it ships,
//   5. opens Demo.cs, types, and checks that
//      a. the completion list shows the model's top items in the order `completion-lsp complete` gives,
//      b. ghost text appears, Ctrl+Right accepts its next word only, Tab the rest, and the saved file then contains it,
//      c. the commands, restarts, settings (server.path, enable, trace.server) and Restricted Mode work.
// Screenshots and timings go to editors/vscode/test-results/.
//
// Environment:
//   COMPLETION_LSP_E2E_SERVER=mock   run against test/mock-server (a test double that calls the CLI) instead
//                                    of the real `completion-lsp serve` shipped in the .vsix
//   CODE_SERVER_PREFIX               where code-server is (or gets) installed, default /opt/code-server
//   CHROMIUM                         default /usr/bin/chromium
//   E2E_KEEP=1                       keep the temporary workspace and profile folders
//   E2E_SKIP_PACKAGE=1               use the existing .vsix
//   COMPLETION_LSP_SERVER_DIR        a published server folder to use instead of <repo>/artifacts/server-linux-x64
//                                    (for the CLI, the training, and the server shipped in the .vsix; the
//                                    extension needs a self-contained one, since code-server gets no dotnet)
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseComplete, parseLine, type CompleteItem } from './cliOutput';

const extDir = path.resolve(__dirname, '..', '..', '..'); // out/test/e2e -> editors/vscode
const repo = path.resolve(extDir, '..', '..');
const results = path.join(extDir, 'test-results');
const useMock = process.env.COMPLETION_LSP_E2E_SERVER === 'mock';
const codeServerPrefix = process.env.CODE_SERVER_PREFIX ?? '/opt/code-server';
const codeServer = path.join(codeServerPrefix, 'node_modules', '.bin', 'code-server');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** This machine's .NET runtime identifier (the test runs on Linux), as package.mjs publishes for it. */
const rid = `linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
const serverDir = process.env.COMPLETION_LSP_SERVER_DIR
  ? path.resolve(process.env.COMPLETION_LSP_SERVER_DIR)
  : path.join(repo, 'artifacts', `server-${rid}`);
const serverDll = path.join(serverDir, 'completion-lsp.dll');
/** The apphost; in a self-contained server it runs without dotnet. */
const serverExe = path.join(serverDir, 'completion-lsp');
/** The .vsix must stay below this many MiB (2^20 bytes, the "MB" that vsce prints). */
const VSIX_LIMIT_MIB = 160;
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The line the test types on (1-based), inside Demo.Describe, indented by 8 spaces. */
const TYPE_LINE = 11;
const DEMO = `using System.Text;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Core.Demo;

public sealed class Demo
{
    public static string Describe(Vocabulary vocabulary, int id)
    {
        var builder = new StringBuilder();
        
        return builder.ToString();
    }
}
`;
/** Typed for the completion list: ends in '.', so the list has no prefix to filter by and keeps the server's order. */
const COMPLETION_TYPED = 'builder.';
/** Public instance members of System.Text.StringBuilder (and object's), as .NET 10 has them. */
const STRINGBUILDER_MEMBERS = new Set([
  'Append', 'AppendFormat', 'AppendJoin', 'AppendLine', 'Capacity', 'Chars', 'Clear', 'CopyTo', 'EnsureCapacity', 'Equals',
  'GetChunks', 'GetHashCode', 'GetType', 'Insert', 'Length', 'MaxCapacity', 'Remove', 'Replace', 'ToString', 'GetRuneAt', 'EnumerateRunes',
  'TryGetRuneAt',
]);
/** Candidates for the ghost-text check: the first one for which the CLI has a line suggestion is typed. */
const GHOST_CANDIDATES = ['var builder = new ', 'for (int i = 0; ', 'if (vocabulary == null) throw new ', 'return ', 'throw new '];

const timings: Record<string, number> = {};
const checks: { name: string; ok: boolean; detail: string }[] = [];
const cleanup: (() => void | Promise<void>)[] = [];

function log(m: string): void {
  console.log(`[e2e ${new Date().toISOString().slice(11, 19)}] ${m}`);
}

async function timed<T>(name: string, f: () => Promise<T> | T): Promise<T> {
  const t = Date.now();
  try {
    return await f();
  } finally {
    timings[name] = (Date.now() - t) / 1000;
    log(`${name}: ${timings[name].toFixed(1)} s`);
  }
}

function check(name: string, ok: boolean, detail: string): void {
  checks.push({ name, ok, detail });
  log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
}

function run(cmd: string, args: string[], opts: { cwd?: string; quiet?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  if (!opts.quiet && r.stdout.trim()) console.log(r.stdout.trimEnd());
  return r.stdout;
}

/** The CLI's command line: the apphost when there is one (the self-contained server), else dotnet and the .dll. */
function cliCommand(): string[] {
  return fs.existsSync(serverExe) ? [serverExe] : ['dotnet', serverDll];
}

function cli(args: string[], quiet = true): string {
  const [cmd, ...pre] = cliCommand();
  return run(cmd, [...pre, ...args], { quiet });
}

function codeServerWorks(): boolean {
  return fs.existsSync(codeServer) && spawnSync(codeServer, ['--version'], { encoding: 'utf8' }).status === 0;
}

function ensureCodeServer(): void {
  if (codeServerWorks() && fs.existsSync(chromiumPath)) return;
  const script = process.env.INSTALL_CODE_SERVER ?? path.resolve(repo, '..', 'shared', 'tools', 'install-code-server.sh');
  if (!fs.existsSync(script)) throw new Error(`code-server is not installed in ${codeServerPrefix} and ${script} is missing`);
  log(`installing code-server with ${script}`);
  execFileSync('bash', [script, codeServerPrefix], { stdio: 'inherit' });
}

function ensureServer(): void {
  if (fs.existsSync(serverDll)) return;
  if (process.env.COMPLETION_LSP_SERVER_DIR) throw new Error(`no completion-lsp.dll in COMPLETION_LSP_SERVER_DIR=${serverDir}`);
  const publish = ['publish', 'src/CompletionLsp.Cli', '-c', 'Release', '-r', rid, '--self-contained', '-p:PublishReadyToRun=true', '-o', serverDir];
  log(`building the server: dotnet ${publish.join(' ')}`);
  execFileSync('dotnet', publish, { cwd: repo, stdio: 'inherit' });
}

function buildVsix(): string {
  const vsix = path.join(extDir, 'test-results', 'completion-lsp-e2e.vsix');
  if (process.env.E2E_SKIP_PACKAGE === '1' && fs.existsSync(vsix)) return vsix;
  execFileSync('node', [path.join(extDir, 'scripts', 'package.mjs'), '--out', vsix], {
    cwd: extDir,
    stdio: 'inherit',
    env: { ...process.env, COMPLETION_LSP_SERVER_DIR: serverDir },
  });
  return vsix;
}

/**
 * The environment for code-server (and so the extension host and the server it starts) without `dotnet`: no
 * DOTNET_ROOT or DOTNET_HOST_PATH, and each PATH folder that holds a `dotnet` replaced by a folder of links to
 * everything else in it (/usr/bin holds node as well as dotnet); the extension host gets the same.
 */
function envWithoutDotnet(tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^DOTNET_(ROOT|HOST_PATH)/.test(k)) delete env[k];
  const dirs = (env.PATH ?? '').split(':').filter((d) => d !== '');
  env.PATH = dirs
    .map((d, i) => {
      if (!fs.existsSync(path.join(d, 'dotnet'))) return d;
      const shadow = path.join(tmp, 'path-without-dotnet', String(i));
      fs.mkdirSync(shadow, { recursive: true });
      for (const name of fs.readdirSync(d)) if (name !== 'dotnet') fs.symlinkSync(path.join(d, name), path.join(shadow, name));
      return shadow;
    })
    .join(':');
  // VS Code's server would add the environment of a login shell (whose PATH has /usr/bin again) to the extension
  // host's; VSCODE_CLI=1 tells it that this environment is the shell's already (resolveShellEnv: skipped).
  env.VSCODE_CLI = '1';
  return env;
}

/** The folders of a PATH value that hold a `dotnet`. */
function dotnetOnPath(pathValue: string | undefined): string[] {
  return (pathValue ?? '').split(':').filter((d) => d !== '' && fs.existsSync(path.join(d, 'dotnet')));
}

/** The extension's output channel log (completionLsp.trace.server writes there), '' while there is none. */
function outputLog(userData: string): string {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (/CompletionLsp\.log$/.test(e.name)) found.push(path.join(d, e.name));
    }
  };
  try {
    walk(path.join(userData, 'logs'));
  } catch {
    return '';
  }
  return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

function copyCs(from: string, to: string): number {
  let n = 0;
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (e.name === 'bin' || e.name === 'obj' || e.name.startsWith('.')) continue;
      n += copyCs(path.join(from, e.name), path.join(to, e.name));
    } else if (e.name.endsWith('.cs')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(path.join(from, e.name), path.join(to, e.name));
      n++;
    }
  }
  return n;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

/** Thrown inside an until() check to stop waiting at once. */
class Fatal extends Error {}

async function until<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      if (e instanceof Fatal) throw e;
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function killTree(p: ChildProcess): void {
  if (p.pid === undefined || p.exitCode !== null) return;
  try {
    process.kill(-p.pid, 'SIGTERM'); // its own process group (spawned detached)
  } catch {
    /* gone */
  }
}

/** The 1-based line and column of the caret, from the status bar ("Ln 11, Col 17"). */
async function caret(page: Page): Promise<{ line: number; col: number }> {
  const text = await page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first().innerText();
  const m = /Ln (\d+), Col (\d+)/.exec(text);
  if (!m) throw new Error(`no caret position in the status bar: ${text}`);
  return { line: Number(m[1]), col: Number(m[2]) };
}

async function save(page: Page, file: string, expectLine: (line: string) => boolean): Promise<string> {
  await page.keyboard.press('Control+S');
  return until(
    'the file to be saved',
    () => {
      const line = fs.readFileSync(file, 'utf8').split('\n')[TYPE_LINE - 1];
      return expectLine(line) ? line : undefined;
    },
    15_000,
  );
}

async function gotoLine(page: Page, line: number, col: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}:${col}`); // go-to-line mode keeps its leading colon
  await page.keyboard.press('Enter');
  await until('the caret to move', async () => {
    const c = await caret(page);
    return c.line === line && c.col === col;
  }, 10_000);
}

/** Labels of the suggest widget's rows, in display order, without snippet rows. */
async function suggestLabels(page: Page): Promise<string[]> {
  const rows = page.locator('.editor-widget.suggest-widget.visible .monaco-list-row');
  const all = await rows.evaluateAll((els) =>
    els.map((el) => ({
      index: Number(el.getAttribute('data-index') ?? '0'),
      label: (el.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' '),
      snippet: !!el.querySelector('.codicon-symbol-snippet'),
    })),
  );
  return all
    .sort((a, b) => a.index - b.index)
    .filter((r) => !r.snippet)
    .map((r) => r.label);
}

async function ghostText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const editor = document.querySelector('.monaco-editor.focused') ?? document.querySelector('.monaco-editor');
    if (!editor) return '';
    const parts = Array.from(editor.querySelectorAll('.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text'))
      .map((e) => e.textContent ?? '')
      .filter((t) => t.length > 0);
    return parts.join('').replace(/\u00a0/g, ' ');
  });
}

async function startCodeServer(o: {
  userData: string;
  extensions: string;
  ws: string;
  trust: boolean;
  log: fs.WriteStream;
  env: NodeJS.ProcessEnv;
}): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const p = spawn(
    codeServer,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(o.trust ? [] : ['--disable-workspace-trust']),
      '--user-data-dir', o.userData,
      '--extensions-dir', o.extensions,
      o.ws,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...o.env, COMPLETION_LSP_CLI: cliCommand().join(' ') } },
  );
  p.stdout!.pipe(o.log, { end: false });
  p.stderr!.pipe(o.log, { end: false });
  cleanup.push(() => killTree(p));
  await until(
    'code-server to answer',
    async () => (p.exitCode === null ? httpOk(`http://127.0.0.1:${port}/healthz`) : Promise.reject(new Fatal('code-server exited'))),
    60_000,
    300,
  );
  return { proc: p, port };
}

async function openWorkbench(page: Page, port: number, ws: string): Promise<void> {
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
}

async function openDemo(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').click({ position: { x: 640, y: 400 } }).catch(() => undefined);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await input.fill('Demo.cs');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Demo.cs' }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: 'Demo.cs' }).waitFor({ timeout: 20_000 });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 20_000 });
}

/** Titles the command palette lists for `query`. */
async function paletteEntries(page: Page, query: string): Promise<string[]> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${query}`);
  await new Promise((r) => setTimeout(r, 1000));
  const rows = await page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts();
  return rows.map((r) => r.replace(/\s+/g, ' ').trim());
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

async function main(): Promise<void> {
  const started = Date.now();
  fs.mkdirSync(results, { recursive: true });
  for (const f of fs.readdirSync(results)) if (/\.(png|log|json)$/.test(f)) fs.rmSync(path.join(results, f));

  await timed('install code-server (if missing)', () => ensureCodeServer());
  await timed('build server (if missing)', () => ensureServer());
  const vsix = await timed('package .vsix', () => buildVsix());
  const vsixBytes = fs.statSync(vsix).size;
  check(
    `the .vsix is under ${VSIX_LIMIT_MIB} MB`,
    vsixBytes < VSIX_LIMIT_MIB * 2 ** 20,
    `${(vsixBytes / 2 ** 20).toFixed(1)} MiB (${vsixBytes} bytes)`,
  );

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-e2e-'));
  if (process.env.E2E_KEEP !== '1') cleanup.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  else log(`keeping ${tmp}`);
  const ws = path.join(tmp, 'workspace');
  const userData = path.join(tmp, 'user-data');
  const extensions = path.join(tmp, 'extensions');
  const demo = path.join(ws, 'src', 'Demo', 'Demo.cs');
  const model = path.join(ws, '.completion-lsp', 'model');

  await timed('fixture + train', () => {
    const n = copyCs(path.join(repo, 'src', 'CompletionLsp.Core'), path.join(ws, 'src'));
    fs.mkdirSync(path.dirname(demo), { recursive: true });
    fs.writeFileSync(demo, DEMO);
    log(`fixture: ${n} files from src/CompletionLsp.Core + Demo.cs in ${ws}`);
    cli(['train', ws], false);
    if (!fs.existsSync(model)) throw new Error(`training wrote no ${model}`);
  });

  await timed('install .vsix', () => {
    run(codeServer, ['--extensions-dir', extensions, '--install-extension', vsix]);
  });

  const settings: Record<string, unknown> = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.commandCenter.enabled': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'files.autoSave': 'off',
    // Deterministic editing: no auto-closing brackets, lists opened on request (or by '.'),
    // only this extension's items in the list.
    'editor.autoClosingBrackets': 'never',
    'editor.autoClosingQuotes': 'never',
    'editor.autoIndent': 'none',
    'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
    'editor.snippetSuggestions': 'none',
    'editor.wordBasedSuggestions': 'off',
    'editor.inlineSuggest.enabled': true,
    'editor.minimap.enabled': false,
    'completionLsp.trace.server': 'messages',
  };
  if (useMock) {
    const mock = path.join(extDir, 'out', 'test', 'mock-server', 'mockServer.js');
    fs.chmodSync(mock, 0o755);
    settings['completionLsp.server.path'] = mock;
    log(`using the MOCK server ${mock} (a test double that calls the CLI)`);
  }
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  const csLog = fs.createWriteStream(path.join(results, 'code-server.log'));
  const noDotnet = envWithoutDotnet(tmp);
  check(
    'code-server runs with no dotnet on PATH and no DOTNET_ROOT',
    dotnetOnPath(noDotnet.PATH).length === 0 && noDotnet.DOTNET_ROOT === undefined,
    `PATH ${noDotnet.PATH}; dotnet was in ${JSON.stringify(dotnetOnPath(process.env.PATH))}`,
  );
  const server = await timed('start code-server', () => startCodeServer({ userData, extensions, ws, trust: false, log: csLog, env: noDotnet }));

  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_FLAGS, headless: true });
    cleanup.push(() => browser?.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    await timed('open workbench', () => openWorkbench(page, server.port, ws));
    await timed('open Demo.cs', () => openDemo(page));

    const status = page.locator('.statusbar-item', { hasText: 'CompletionLsp' }).first();
    const statusText = await timed('server start + model load', async () => {
      return until('the CompletionLsp status to say "model loaded"', async () => {
        if (!(await status.count())) return undefined;
        const t = (await status.innerText()).trim();
        if (/error|no server|stopped/.test(t)) {
          throw new Fatal(`status: ${t} (see test-results/CompletionLsp.log; tooltip: ${await status.getAttribute('aria-label')})`);
        }
        return /model loaded/.test(t) ? t : undefined;
      }, 120_000, 500);
    });
    check('status bar shows the loaded model', /model loaded/.test(statusText), statusText);
    if (!useMock) {
      // The server the extension started: the executable shipped in the .vsix, in an environment with no dotnet.
      const procs = serverProcesses(server.proc.pid!);
      const p = procs[0];
      const environ = p ? readEnviron(p.pid) : {};
      const bundled = p !== undefined && p.cmd.startsWith(extensions + path.sep) && /[\\/]server[\\/]completion-lsp serve$/.test(p.cmd);
      check(
        'the extension starts the self-contained server it ships (no dotnet on PATH)',
        procs.length === 1 && bundled && dotnetOnPath(environ.PATH).length === 0 && environ.DOTNET_ROOT === undefined,
        `${JSON.stringify(procs)}; its PATH ${environ.PATH}`,
      );
    }
    // The semantic model loads in the background; the list is compared with the CLI's once it is ready.
    const semanticText = await timed('semantic model ready', async () =>
      until('the CompletionLsp status to say "semantic"', async () => {
        const t = (await status.innerText()).trim();
        return /semantic/.test(t) ? t : undefined;
      }, 120_000, 500));
    check('status bar shows the semantic model ready', /semantic/.test(semanticText), semanticText);

    // a. The completion list, in the model's order.
    await timed('completion list', async () => {
      await page.locator('.monaco-editor .view-lines').first().click();
      await gotoLine(page, TYPE_LINE, 9);
      await page.keyboard.type(COMPLETION_TYPED, { delay: 40 });
      await page.keyboard.press('Escape');
      const line = await save(page, demo, (l) => l.trimEnd().endsWith(COMPLETION_TYPED));
      const at = await caret(page);
      const expected: CompleteItem[] = parseComplete(cli(['complete', `${demo}:${at.line}:${at.col}`, '--model', model, '-n', '20']));
      log(`typed line: ${JSON.stringify(line)}, caret ${at.line}:${at.col}`);
      log(`CLI order: ${expected.map((e) => e.text).join(' | ')}`);
      if (expected.length === 0) throw new Error('the CLI gave no completion for this position');

      // Open the list on request (Ctrl+Space on an open list would toggle its details pane instead), and wait
      // until it has settled.
      await until('the suggest widget to close', async () => {
        if ((await page.locator('.editor-widget.suggest-widget.visible').count()) === 0) return true;
        await page.keyboard.press('Escape');
        return undefined;
      }, 10_000, 300);
      await page.keyboard.press('Control+Space');
      let previous = '';
      const shown = await until('the suggest widget to list items', async () => {
        const labels = await suggestLabels(page);
        const key = labels.join('\n');
        const settled = labels.length > 0 && key === previous;
        previous = key;
        return settled ? labels : undefined;
      }, 30_000, 400);
      log(`VS Code list: ${shown.join(' | ')}`);
      await page.screenshot({ path: path.join(results, 'completion-list.png') });
      // A smaller picture of the editor alone, for the README (images/screenshot.png).
      await page.screenshot({ path: path.join(results, 'readme-completion.png'), clip: { x: 350, y: 62, width: 660, height: 420 } });
      const k = Math.min(8, expected.length, shown.length);
      const want = expected.slice(0, k).map((e) => e.text);
      const got = shown.slice(0, k);
      check(
        `completion list shows the model's top ${k} items in order`,
        k >= Math.min(5, expected.length) && JSON.stringify(want) === JSON.stringify(got),
        `expected ${JSON.stringify(want)}, shown ${JSON.stringify(got)}`,
      );
      // Only what is legal after `builder.` on a StringBuilder: its members, no punctuation.
      const punctuation = shown.filter((l) => !/^[A-Za-z_@][A-Za-z0-9_]*$/.test(l));
      check('the builder. list holds no punctuation', shown.length > 0 && punctuation.length === 0, `shown ${JSON.stringify(shown)}`);
      const notMembers = shown.filter((l) => !STRINGBUILDER_MEMBERS.has(l));
      check('the builder. list holds only StringBuilder members', shown.length > 0 && notMembers.length === 0, `not members: ${JSON.stringify(notMembers)}`);
      await page.keyboard.press('Escape');
    });

    // completionLsp.trace.server is "messages" in this profile: the LSP messages are in the CompletionLsp output.
    await timed('trace.server', async () => {
      const traced = await until('the LSP trace in the CompletionLsp output', () => {
        const text = outputLog(userData);
        return /Sending request 'textDocument\/completion/.test(text) && /Received response 'textDocument\/completion/.test(text) ? text : undefined;
      }, 15_000, 500).catch(() => outputLog(userData));
      check(
        'completionLsp.trace.server "messages" logs the LSP messages in the CompletionLsp output',
        /Sending request 'textDocument\/completion/.test(traced) && /Received response 'textDocument\/completion/.test(traced),
        `${traced.split('\n').filter((l) => /Sending|Received/.test(l)).length} trace lines`,
      );
    });

    // b. Ghost text, accepted with Tab.
    await timed('ghost text', async () => {
      // Clear what (a) typed, keeping the indentation.
      await gotoLine(page, TYPE_LINE, 9 + COMPLETION_TYPED.length);
      await page.keyboard.press('Shift+Home');
      await page.keyboard.press('Backspace');
      await save(page, demo, (l) => l.trim() === '');

      const base = fs.readFileSync(demo, 'utf8').split('\n');
      let typed: string | undefined;
      let cliLine: string | undefined;
      for (const candidate of GHOST_CANDIDATES) {
        const lines = [...base];
        lines[TYPE_LINE - 1] = `        ${candidate}`;
        const probe = path.join(tmp, 'probe.cs');
        fs.writeFileSync(probe, lines.join('\n'));
        const s = parseLine(cli(['complete', `${probe}:${TYPE_LINE}:${9 + candidate.length}`, '--model', model, '--line', '-n', '1']));
        if (s) {
          typed = candidate;
          cliLine = s;
          break;
        }
      }
      if (!typed) throw new Error(`the CLI has no line suggestion after any of ${JSON.stringify(GHOST_CANDIDATES)}`);
      log(`typing ${JSON.stringify(typed)}; the CLI suggests ${JSON.stringify(cliLine)}`);

      await gotoLine(page, TYPE_LINE, 9);
      await page.keyboard.type(typed, { delay: 40 });
      await page.keyboard.press('Escape');
      await page.keyboard.press('Alt+Backslash'); // editor.action.inlineSuggest.trigger
      const ghost = await until('ghost text', async () => {
        const g = await ghostText(page);
        return g.trim() ? g : undefined;
      }, 30_000, 300);
      await new Promise((r) => setTimeout(r, 300));
      const settled = await ghostText(page);
      log(`ghost text: ${JSON.stringify(settled)}`);
      await page.screenshot({ path: path.join(results, 'ghost-text.png') });
      check('ghost text appears', settled.trim().length > 0, JSON.stringify(settled || ghost));
      if (cliLine && !settled.includes(cliLine.trim().split(/\s+/)[0])) {
        log(`note: the ghost text does not start like the CLI's line suggestion ${JSON.stringify(cliLine)} (settings may differ)`);
      }

      // Partial acceptance: the next word only (editor.action.inlineSuggest.acceptNextWord, Ctrl+Right), and the
      // rest stays offered as ghost text.
      // (Saving would dismiss the ghost text, so the file is read after Tab: typed + the whole suggestion.)
      if (/\w\W|\W\w/.test(settled.trim())) {
        await page.keyboard.press('Control+ArrowRight');
        const remaining = await until('one word of the ghost text to be accepted', async () => {
          const g = await ghostText(page);
          return g !== settled ? g : undefined;
        }, 10_000, 200);
        await page.screenshot({ path: path.join(results, 'ghost-text-one-word.png') });
        check(
          'accept next word takes the first word of the ghost text and keeps the rest offered',
          remaining.trim().length > 0 && remaining.length < settled.length && settled.endsWith(remaining),
          `accepted ${JSON.stringify(settled.slice(0, settled.length - remaining.length))}, still offered ${JSON.stringify(remaining)}, ghost text was ${JSON.stringify(settled)}`,
        );
      } else log(`note: the ghost text ${JSON.stringify(settled)} is one word: no partial acceptance to show`);

      await page.keyboard.press('Tab');
      await until('the ghost text to be accepted', async () => (await ghostText(page)) === '' || undefined, 10_000);
      const line = await save(page, demo, (l) => l.trim().length > typed!.trim().length);
      await page.screenshot({ path: path.join(results, 'ghost-text-accepted.png') });
      const want = `        ${typed}${settled}`.trimEnd();
      check('Tab accepts the ghost text into the file', line.trimEnd() === want, `line ${JSON.stringify(line)}, expected ${JSON.stringify(want)}`);
    });

    // c. The commands, from the command palette.
    await timed('train command', async () => {
      await runCommand(page, 'CompletionLsp: Train Model on Workspace');
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'CompletionLsp: trained on' }).first();
      await toast.waitFor({ timeout: 180_000 });
      const text = (await toast.innerText()).replace(/\s+/g, ' ');
      await page.screenshot({ path: path.join(results, 'train.png') });
      check('"Train Model on Workspace" trains through the server and reports the result', /trained on \d+ files/.test(text), text);
      await page.keyboard.press('Escape');
    });
    await timed('model info command', async () => {
      await runCommand(page, 'CompletionLsp: Show Model Info');
      const dialog = page.locator('.monaco-dialog-box, .notifications-toasts .notification-toast').filter({ hasText: /CompletionLsp/ }).first();
      await dialog.waitFor({ timeout: 30_000 });
      const text = (await dialog.innerText()).replace(/\s+/g, ' ');
      await page.screenshot({ path: path.join(results, 'model-info.png') });
      check('"Show Model Info" shows the loaded model', /CompletionLsp model/.test(text) && text.includes(model), text);
      await page.keyboard.press('Escape');
    });

    // d. A crashed server is restarted; "Restart Server" starts a new one.
    await timed('restart after crash', async () => {
      const before = serverProcesses(server.proc.pid!);
      if (before.length !== 1) throw new Error(`expected one server process under code-server, found ${JSON.stringify(before)}`);
      process.kill(before[0].pid, 'SIGKILL');
      log(`killed the server process ${before[0].pid} (${before[0].cmd})`);
      const after = await until('a new server process', () => {
        const now = serverProcesses(server.proc.pid!);
        return now.length === 1 && now[0].pid !== before[0].pid ? now[0] : undefined;
      }, 60_000, 300);
      const text = await until('the status to say "model loaded" again', async () => {
        const t = (await status.innerText()).trim();
        return /model loaded/.test(t) ? t : undefined;
      }, 60_000, 300);
      check('the server is restarted after a crash', true, `new process ${after.pid}; status ${JSON.stringify(text)}`);
    });
    await timed('restart command', async () => {
      const before = serverProcesses(server.proc.pid!);
      await runCommand(page, 'CompletionLsp: Restart Server');
      const after = await until('a new server process', () => {
        const now = serverProcesses(server.proc.pid!);
        return now.length === 1 && !before.some((b) => b.pid === now[0].pid) ? now[0] : undefined;
      }, 60_000, 300);
      const text = await until('the status to say "model loaded" again', async () => {
        const t = (await status.innerText()).trim();
        return /model loaded/.test(t) ? t : undefined;
      }, 60_000, 300);
      check('"Restart Server" replaces the server process', true, `${before.map((b) => b.pid).join(',')} -> ${after.pid}; status ${JSON.stringify(text)}`);
    });

    // e. completionLsp.enable false (a workspace setting): completions off at once, and the status says so.
    await timed('enable false', async () => {
      fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'completionLsp.enable': false }, null, 2));
      const t = await until('the status to say "off"', async () => {
        const st = (await status.innerText()).trim();
        return /CompletionLsp: off/.test(st) ? st : undefined;
      }, 30_000, 300).catch(async () => (await status.innerText()).trim());
      // The list at the caret: nothing from the model (the editor's own word suggestions are off in this profile).
      await page.locator('.monaco-editor .view-lines').first().click();
      await gotoLine(page, TYPE_LINE, 9);
      await page.keyboard.press('Control+Space');
      await new Promise((r) => setTimeout(r, 2000));
      const shown = await suggestLabels(page);
      await page.screenshot({ path: path.join(results, 'disabled.png') });
      await page.keyboard.press('Escape');
      check('completionLsp.enable false turns completions off', /CompletionLsp: off/.test(t) && shown.length === 0, `status ${JSON.stringify(t)}; list ${JSON.stringify(shown)}`);
    });

    // f. A server path that points nowhere: the setting change restarts, and the message says what to do.
    await timed('bad server path', async () => {
      // Workspace settings: code-server notices their change on disk (it may not notice the user settings file's).
      const bad = path.join(tmp, 'nowhere', 'completion-lsp.dll');
      fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'completionLsp.server.path': bad }, null, 2));
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'completionLsp.server.path' }).first();
      await toast.waitFor({ timeout: 60_000 });
      const text = (await toast.innerText()).replace(/\s+/g, ' ');
      const statusNow = (await status.innerText()).trim();
      await page.screenshot({ path: path.join(results, 'no-server.png') });
      check(
        'a wrong completionLsp.server.path gives a message that says what to do',
        text.includes(bad) && text.includes('dotnet publish src/CompletionLsp.Cli -c Release -o artifacts/server') && /no server/.test(statusNow),
        `${text} | status ${JSON.stringify(statusNow)}`,
      );
    });

    // g. Restricted Mode: a fresh profile with workspace trust on, the folder not trusted. The workspace's
    //    completionLsp.server.path (from f) must be ignored, the train command must be unavailable. This profile
    //    has completionLsp.trace.server "off": its output must hold no LSP trace.
    await timed('restricted mode', async () => {
      killTree(server.proc);
      const userData2 = path.join(tmp, 'user-data-restricted');
      fs.mkdirSync(path.join(userData2, 'User'), { recursive: true });
      fs.writeFileSync(
        path.join(userData2, 'User', 'settings.json'),
        JSON.stringify(
          {
            ...settings,
            'completionLsp.trace.server': 'off',
            'security.workspace.trust.enabled': true,
            'security.workspace.trust.startupPrompt': 'never',
            'security.workspace.trust.banner': 'always',
          },
          null,
          2,
        ),
      );
      const restricted = await startCodeServer({ userData: userData2, extensions, ws, trust: true, log: csLog, env: noDotnet });
      server.proc = restricted.proc;
      await openWorkbench(page, restricted.port, ws);
      await openDemo(page);
      const t = await until('the CompletionLsp status to settle', async () => {
        const st = (await status.innerText().catch(() => '')).trim();
        return /model loaded|no model|no server|error|stopped/.test(st) ? st : undefined;
      }, 120_000, 500);
      const entries = await paletteEntries(page, 'CompletionLsp');
      await page.screenshot({ path: path.join(results, 'restricted-mode.png') });
      await page.keyboard.press('Escape');
      log(`restricted mode: status ${JSON.stringify(t)}; palette: ${JSON.stringify(entries)}`);
      check('Restricted Mode ignores the workspace\'s completionLsp.server.path', !/no server|error|stopped/.test(t), t);
      check(
        'Restricted Mode hides "Train Model on Workspace"',
        entries.some((e) => e.includes('Show Model Info')) && !entries.some((e) => e.includes('Train Model')),
        JSON.stringify(entries),
      );
      const untraced = outputLog(userData2);
      check(
        'completionLsp.trace.server "off" logs no LSP messages',
        /server running|starting /.test(untraced) && !/Sending (request|notification)|Received (response|request|notification)/.test(untraced),
        `${untraced.split('\n').length} lines, ${untraced.split('\n').filter((l) => /Sending|Received/.test(l)).length} of them trace`,
      );
      if (/model loaded/.test(t)) {
        log('WARNING: in Restricted Mode the server loaded the workspace model; it is told workspaceTrusted: false and models ["cache"]');
      }
    });

    if (pageErrors.length > 0) log(`page errors (not failing the test): ${pageErrors.slice(0, 5).join(' / ')}`);
    void server;
  } catch (e) {
    check('e2e ran to the end', false, e instanceof Error ? (e.stack ?? e.message) : String(e));
    const pages = browser?.contexts().flatMap((c) => c.pages()) ?? [];
    if (pages[0]) await pages[0].screenshot({ path: path.join(results, 'failure.png') }).catch(() => undefined);
  } finally {
    timings.total = (Date.now() - started) / 1000;
    copyExtensionLogs(userData, '');
    copyExtensionLogs(path.join(tmp, 'user-data-restricted'), 'restricted-');
    for (const c of cleanup.reverse()) {
      try {
        await c();
      } catch {
        /* best effort */
      }
    }
  }

  fs.writeFileSync(path.join(results, 'e2e-timings.json'), JSON.stringify({ server: useMock ? 'mock' : 'real', timings, checks }, null, 2));
  const passed = checks.filter((c) => c.ok).length;
  const failed = checks.length - passed;
  const extLog = path.join(results, 'CompletionLsp.log');
  if (failed > 0 && fs.existsSync(extLog)) {
    console.log(`\nlast lines of ${extLog}:\n${fs.readFileSync(extLog, 'utf8').split('\n').slice(-25).join('\n')}`);
  }
  console.log(`\ntimings (s): ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  console.log(`screenshots: ${fs.readdirSync(results).filter((f) => f.endsWith('.png')).map((f) => path.join(results, f)).join(', ')}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

/** A process's environment, from /proc. */
function readEnviron(pid: number): Record<string, string> {
  try {
    const out: Record<string, string> = {};
    for (const kv of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return out;
  } catch {
    return {};
  }
}

/** Server processes (`... serve`, real or mock) that descend from the code-server process `root`. */
function serverProcesses(root: number): { pid: number; cmd: string }[] {
  const parent = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmd.set(Number(name), fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      /* exited meanwhile */
    }
  }
  const descends = (pid: number) => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...cmd.entries()]
    .filter(([pid, c]) => / serve$/.test(c) && /completion-lsp\.dll|completion-lsp |mockServer\.js/.test(c) && descends(pid))
    .map(([pid, c]) => ({ pid, cmd: c }));
}

/** The extension's output channel (the LSP trace included) and the extension host log, for failures. */
function copyExtensionLogs(userData: string, prefix: string): void {
  try {
    const logs = path.join(userData, 'logs');
    const found: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/CompletionLsp|exthost\.log/.test(e.name)) found.push(p);
      }
    };
    if (fs.existsSync(logs)) walk(logs);
    for (const f of found) fs.copyFileSync(f, path.join(results, prefix + path.basename(f).replace(/[^\w.-]+/g, '_')));
  } catch (e) {
    log(`could not copy logs: ${String(e)}`);
  }
}

main().catch((e) => {
  console.error(e);
  console.log('e2e: 0 passed, 1 failed');
  process.exitCode = 1;
});
