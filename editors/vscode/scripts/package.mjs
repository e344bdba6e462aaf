// Packages the extension as a .vsix, offline:
//   1. copies the published server from <repo>/artifacts/server (if it exists) into server/, so that the
//      .vsix ships it (build it first with `dotnet publish src/CompletionLsp.Cli -c Release -o artifacts/server`);
//      Only the native libraries of the target platform go in (libtorch for the neural models is ~450 MB per
//      platform; libtorch's test and Python-binding libraries are left out), and the .vsix is marked for that
//      platform (`vsce package --target`), as VS Code expects of extensions with native code;
//   2. runs `vsce package` (which bundles with esbuild through the vscode:prepublish script).
// Usage: node scripts/package.mjs [--no-server] [--target linux-x64|linux-arm64|darwin-x64|darwin-arm64|win32-x64|win32-arm64]
//                                 [--out FILE]      (the target defaults to this machine's platform)
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

const targetIndex = args.indexOf('--target');
const target = targetIndex >= 0 ? args[targetIndex + 1] : `${process.platform}-${process.arch}`;
// VS Code's platform names -> .NET runtime identifiers (the folders under runtimes/ of the published server).
const rids = {
  'linux-x64': ['linux-x64'], 'linux-arm64': ['linux-arm64'],
  'darwin-x64': ['osx-x64', 'osx'], 'darwin-arm64': ['osx-arm64', 'osx'],
  'win32-x64': ['win-x64'], 'win32-arm64': ['win-arm64'],
}[target];
if (!rids) {
  console.error(`package: unknown --target ${target} (one of linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, win32-arm64)`);
  process.exit(2);
}
/** libtorch's libraries that nothing of TorchSharp loads: tests, Python bindings, mobile backends. */
const unused = /(^|[\\/])(lib)?(jitbackend_test|torchbind_test|aoti_custom_ops|backend_with_compiler|nnapi_backend|torch_python|shm)\.(so|dylib|dll)$/;

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
    filter: (src) => {
      if (src.endsWith('.pdb') || unused.test(src)) return false;
      const rel = path.relative(serverSrc, src).split(path.sep);
      // runtimes/<rid>/...: only the target's.
      return !(rel[0] === 'runtimes' && rel.length > 1 && !rids.includes(rel[1]));
    },
  });
  console.log(`package: shipping the server from ${serverSrc} for ${target} (runtimes: ${rids.join(', ')})`);
} else {
  console.log(
    `package: no server in ${serverSrc}, so the .vsix ships none (users then set completionLsp.server.path or put ` +
      'completion-lsp on PATH). To ship one, run `dotnet publish src/CompletionLsp.Cli -c Release -o artifacts/server` at the repository root first.',
  );
}

const vsce = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
const r = spawnSync(
  vsce,
  ['package', '--target', target, '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out],
  { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' },
);
if (r.status !== 0) {
  console.error(`package: vsce failed (${r.status ?? r.signal})`);
  process.exit(r.status ?? 1);
}
console.log(out);
