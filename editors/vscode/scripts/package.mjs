// Packages the extension as a .vsix, offline:
//   1. copies the published server from <repo>/artifacts/server (if it exists) into server/, so that the
//      .vsix ships it (build it first with `dotnet publish src/CompletionLsp.Cli -c Release -o artifacts/server`);
//   2. runs `vsce package` (which bundles with esbuild through the vscode:prepublish script).
// Usage: node scripts/package.mjs [--no-server] [--out FILE]
// Prints the path of the .vsix on its last line.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const repo = path.resolve(root, '..', '..');
const args = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : path.join(root, `${pkg.name}-${pkg.version}.vsix`);

const serverSrc = process.env.COMPLETION_LSP_SERVER_DIR
  ? path.resolve(process.env.COMPLETION_LSP_SERVER_DIR)
  : path.join(repo, 'artifacts', 'server');
const serverDst = path.join(root, 'server');
fs.rmSync(serverDst, { recursive: true, force: true });
if (args.includes('--no-server')) {
  console.log('package: not shipping a server (--no-server)');
} else if (fs.existsSync(path.join(serverSrc, 'completion-lsp.dll'))) {
  fs.cpSync(serverSrc, serverDst, {
    recursive: true,
    filter: (src) => !src.endsWith('.pdb'),
  });
  console.log(`package: shipping the server from ${serverSrc}`);
} else {
  console.log(
    `package: no server in ${serverSrc}, so the .vsix ships none (users then set completionLsp.server.path or put ` +
      'completion-lsp on PATH). To ship one, run `dotnet publish src/CompletionLsp.Cli -c Release -o artifacts/server` at the repository root first.',
  );
}

const vsce = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
const r = spawnSync(
  vsce,
  ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out],
  { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' },
);
if (r.status !== 0) {
  console.error(`package: vsce failed (${r.status ?? r.signal})`);
  process.exit(r.status ?? 1);
}
console.log(out);
