// Packages the extension as a platform-specific .vsix that ships a self-contained server (no .NET needed):
//   1. publishes the server for the target platform, self-contained, into <repo>/artifacts/server-<rid>:
//        dotnet publish src/CompletionLsp.Cli -c Release -r <rid> --self-contained -p:PublishReadyToRun=true
//      (incremental: quick when nothing changed). COMPLETION_LSP_SERVER_DIR=<folder> ships that published server
//      instead, and publishes nothing (a framework-dependent one then needs `dotnet` on the user's PATH);
//   2. copies it into server/: no .pdb, no other platform's native libraries (runtimes/<rid>/), none of libtorch's
//      test and Python-binding libraries, not the runtime's debugger, crash-dump and standalone-GC libraries; on Linux the native libraries that still carry a symbol table
//      (libtorch's: 92 MB of it) are stripped with `strip --strip-unneeded` (their exported symbols stay);
//   3. copies the repository's LICENSE beside package.json and runs `vsce package --target <target>` (which
//      bundles with esbuild through the vscode:prepublish script).
// Usage: node scripts/package.mjs [--target linux-x64|linux-arm64|darwin-x64|darwin-arm64|win32-x64|win32-arm64]
//                                 [--out FILE] [--no-server] [--no-publish]   (the target defaults to this machine's)
// Prints the .vsix's size and its installed size, then the path of the .vsix on its last line.
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
// VS Code's platform names -> .NET runtime identifiers: the one to publish for first, then the folders under
// runtimes/ of a framework-dependent server that hold this platform's native libraries.
const rids = {
  'linux-x64': ['linux-x64'], 'linux-arm64': ['linux-arm64'],
  'darwin-x64': ['osx-x64', 'osx'], 'darwin-arm64': ['osx-arm64', 'osx'],
  'win32-x64': ['win-x64'], 'win32-arm64': ['win-arm64'],
}[target];
if (!rids) {
  console.error(`package: unknown --target ${target} (one of linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, win32-arm64)`);
  process.exit(2);
}
const rid = rids[0];
/**
 * libtorch's libraries that nothing of TorchSharp loads: tests, Python bindings, mobile backends; and DuckDB's (57 MB
 * stripped), which serves only `train --engine duckdb` and `import-counts`: the extension never runs them, and without
 * it they say so (DuckDbCounter).
 */
const unused = /(^|[\\/])(lib)?(jitbackend_test|torchbind_test|aoti_custom_ops|backend_with_compiler|nnapi_backend|torch_python|shm|duckdb)\.(so|dylib|dll)$/;
/**
 * The runtime's parts that a shipped server never loads: the debugger and crash-dump support (a managed debugger
 * attaching, `createdump`), the standalone GCs (only with DOTNET_GCName) and the LTTng trace provider. The host
 * does not require them (it starts without them; README: what takes the space).
 */
const runtimeExtras = /(^|[\\/])((lib)?(mscordaccore|mscordbi|clrgc|clrgcexp|coreclrtraceptprovider)(_[\w.]+)?\.(so|dylib|dll)|createdump(\.exe)?)$/;

const serverSrc = process.env.COMPLETION_LSP_SERVER_DIR
  ? path.resolve(process.env.COMPLETION_LSP_SERVER_DIR)
  : path.join(repo, 'artifacts', `server-${rid}`);
const serverDst = path.join(root, 'server');
fs.rmSync(serverDst, { recursive: true, force: true });

if (args.includes('--no-server')) {
  console.log('package: not shipping a server (--no-server)');
} else {
  if (!process.env.COMPLETION_LSP_SERVER_DIR && !args.includes('--no-publish')) {
    const publish = ['publish', 'src/CompletionLsp.Cli', '-c', 'Release', '-r', rid, '--self-contained', '-p:PublishReadyToRun=true', '-o', serverSrc, '-nologo', '-v', 'q'];
    // Into an empty folder: publishing over an old one leaves files that are no longer published (or compiled).
    fs.rmSync(serverSrc, { recursive: true, force: true });
    console.log(`package: dotnet ${publish.join(' ')}`);
    const r = spawnSync('dotnet', publish, { cwd: repo, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`package: publishing the server failed (${r.status ?? r.signal ?? r.error})`);
      process.exit(1);
    }
  }
  if (!fs.existsSync(path.join(serverSrc, 'completion-lsp.dll'))) {
    console.error(`package: no published server in ${serverSrc} (completion-lsp.dll missing)`);
    process.exit(1);
  }
  fs.cpSync(serverSrc, serverDst, {
    recursive: true,
    filter: (src) => {
      if (src.endsWith('.pdb') || unused.test(src) || runtimeExtras.test(src)) return false;
      const rel = path.relative(serverSrc, src).split(path.sep);
      // runtimes/<rid>/...: only the target's.
      return !(rel[0] === 'runtimes' && rel.length > 1 && !rids.includes(rel[1]));
    },
  });
  const selfContained = isSelfContained(serverSrc);
  console.log(
    `package: shipping the server from ${serverSrc} for ${target}: ${selfContained ? 'self-contained (no .NET needed)' : 'framework-dependent (needs .NET 10 on PATH)'}`,
  );
  if (target.startsWith('linux-')) stripNativeLibraries(serverDst);
}

fs.copyFileSync(path.join(repo, 'LICENSE'), path.join(root, 'LICENSE'));
const vsce = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
const r = spawnSync(vsce, ['package', '--target', target, '--no-dependencies', '--no-rewrite-relative-links', '--out', out], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (r.status !== 0) {
  console.error(`package: vsce failed (${r.status ?? r.signal})`);
  process.exit(r.status ?? 1);
}
const packed = fs.statSync(out).size;
const installed = unpackedSize(out);
console.log(`package: ${path.basename(out)} is ${mib(packed)} (${packed} bytes); installed ${mib(installed)} (${installed} bytes)`);
console.log(out);

function mib(n) {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/** A published server that carries its runtime (hostfxr beside the apphost). */
function isSelfContained(dir) {
  return ['libhostfxr.so', 'libhostfxr.dylib', 'hostfxr.dll'].some((f) => fs.existsSync(path.join(dir, f)));
}

/** Strips ELF shared libraries that still have a symbol table (.symtab); the dynamic symbols stay. */
function stripNativeLibraries(dir) {
  if (process.platform !== 'linux') {
    console.log('package: not on Linux, so the native libraries are shipped unstripped');
    return;
  }
  const files = fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, f)).filter((f) => /\.so(\.\d+)*$/.test(f) && hasSymtab(f));
  if (files.length === 0) return;
  const before = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const s = spawnSync('strip', ['--strip-unneeded', ...files], { stdio: 'inherit' });
  if (s.error || s.status !== 0) {
    console.log(`package: strip is not available or failed (${s.error?.message ?? s.status}); the native libraries are shipped unstripped`);
    return;
  }
  const after = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  console.log(`package: stripped ${files.length} native libraries: ${mib(before)} -> ${mib(after)}`);
}

/** Whether a file is a 64-bit little-endian ELF object with a .symtab section. */
function hasSymtab(file) {
  if (!fs.statSync(file).isFile()) return false;
  const fd = fs.openSync(file, 'r');
  try {
    const h = Buffer.alloc(64);
    if (fs.readSync(fd, h, 0, 64, 0) < 64 || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return false;
    const shoff = Number(h.readBigUInt64LE(0x28));
    const shentsize = h.readUInt16LE(0x3a);
    const shnum = h.readUInt16LE(0x3c);
    const shstrndx = h.readUInt16LE(0x3e);
    if (shoff === 0 || shnum === 0 || shstrndx >= shnum) return false;
    const sh = Buffer.alloc(shentsize * shnum);
    fs.readSync(fd, sh, 0, sh.length, shoff);
    const strOff = Number(sh.readBigUInt64LE(shstrndx * shentsize + 0x18));
    const strSize = Number(sh.readBigUInt64LE(shstrndx * shentsize + 0x20));
    const names = Buffer.alloc(strSize);
    fs.readSync(fd, names, 0, strSize, strOff);
    for (let i = 0; i < shnum; i++) {
      const nameOff = sh.readUInt32LE(i * shentsize);
      const type = sh.readUInt32LE(i * shentsize + 4);
      if (type === 2 /* SHT_SYMTAB */ && names.toString('latin1', nameOff, names.indexOf(0, nameOff)) === '.symtab') return true;
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** The sum of the uncompressed sizes in a zip's central directory: what installing the .vsix writes. */
function unpackedSize(zip) {
  const b = fs.readFileSync(zip);
  const eocd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) return NaN;
  const count = b.readUInt16LE(eocd + 10);
  let p = b.readUInt32LE(eocd + 16);
  let total = 0;
  for (let i = 0; i < count && b.readUInt32LE(p) === 0x02014b50; i++) {
    total += b.readUInt32LE(p + 24);
    p += 46 + b.readUInt16LE(p + 28) + b.readUInt16LE(p + 30) + b.readUInt16LE(p + 32);
  }
  return total;
}
