import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { findDotnet, findOnPath, notFoundMessage, resolveServer, type DiscoveryInput } from '../../src/serverDiscovery';

/** A fake file system: a set of files (and the folders that hold them). */
function fsOf(files: string[]) {
  const set = new Set(files);
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.split(/[\\/]/);
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join(f.includes('\\') ? '\\' : '/'));
  }
  return { isFile: (p: string) => set.has(p), isDirectory: (p: string) => dirs.has(p) };
}

function input(files: string[], over: Partial<DiscoveryInput> = {}): DiscoveryInput {
  return {
    configuredPath: undefined,
    extensionPath: '/ext',
    env: { PATH: '/usr/local/bin:/usr/bin' },
    platform: 'linux',
    ...fsOf(files),
    ...over,
  };
}

describe('resolveServer', () => {
  it('1. uses the setting first: a .dll runs with dotnet', () => {
    const d = resolveServer(
      input(['/usr/bin/dotnet', '/repo/artifacts/server/completion-lsp.dll', '/ext/server/completion-lsp.dll', '/usr/bin/completion-lsp'], {
        configuredPath: '/repo/artifacts/server/completion-lsp.dll',
      }),
    );
    assert.deepEqual(d, {
      ok: true,
      server: {
        command: '/usr/bin/dotnet',
        args: ['/repo/artifacts/server/completion-lsp.dll', 'serve'],
        source: 'setting',
        file: '/repo/artifacts/server/completion-lsp.dll',
      },
    });
  });

  it('1. an executable in the setting runs directly', () => {
    const d = resolveServer(input(['/opt/cls/completion-lsp'], { configuredPath: '/opt/cls/completion-lsp' }));
    assert.ok(d.ok);
    assert.equal(d.server.command, '/opt/cls/completion-lsp');
    assert.deepEqual(d.server.args, ['serve']);
  });

  it('1. a folder in the setting: the .dll when dotnet exists, else the apphost', () => {
    const files = ['/repo/artifacts/server/completion-lsp.dll', '/repo/artifacts/server/completion-lsp'];
    const withDotnet = resolveServer(input([...files, '/usr/bin/dotnet'], { configuredPath: '/repo/artifacts/server' }));
    assert.ok(withDotnet.ok);
    assert.equal(withDotnet.server.command, '/usr/bin/dotnet');
    const without = resolveServer(input(files, { configuredPath: '/repo/artifacts/server' }));
    assert.ok(without.ok);
    assert.equal(without.server.command, '/repo/artifacts/server/completion-lsp');
  });

  it('1. a setting that points nowhere is an error naming the setting, not a silent fallback', () => {
    const d = resolveServer(input(['/ext/server/completion-lsp.dll', '/usr/bin/dotnet'], { configuredPath: '/nope/completion-lsp.dll' }));
    assert.equal(d.ok, false);
    if (d.ok) return;
    assert.equal(d.reason, 'setting-invalid');
    assert.match(d.message, /completionLsp\.server\.path/);
    assert.match(d.message, /\/nope\/completion-lsp\.dll/);
    assert.match(d.message, /dotnet publish src\/CompletionLsp\.Cli -c Release -o artifacts\/server/);
  });

  it('2. then the server shipped in the extension', () => {
    const d = resolveServer(input(['/usr/bin/dotnet', '/ext/server/completion-lsp.dll', '/ext/server/completion-lsp', '/usr/bin/completion-lsp']));
    assert.ok(d.ok);
    assert.equal(d.server.source, 'bundled');
    assert.deepEqual([d.server.command, ...d.server.args], ['/usr/bin/dotnet', '/ext/server/completion-lsp.dll', 'serve']);
  });

  it('2. shipped apphost without dotnet on PATH', () => {
    const d = resolveServer(input(['/ext/server/completion-lsp.dll', '/ext/server/completion-lsp']));
    assert.ok(d.ok);
    assert.equal(d.server.command, '/ext/server/completion-lsp');
  });

  it('2. a shipped self-contained server runs through its executable, with or without dotnet on PATH', () => {
    const sc = ['/ext/server/completion-lsp.dll', '/ext/server/completion-lsp', '/ext/server/libhostfxr.so', '/ext/server/libcoreclr.so'];
    for (const files of [sc, [...sc, '/usr/bin/dotnet']]) {
      const d = resolveServer(input(files));
      assert.ok(d.ok);
      assert.equal(d.server.source, 'bundled');
      assert.deepEqual([d.server.command, ...d.server.args], ['/ext/server/completion-lsp', 'serve']);
      assert.equal(d.server.file, '/ext/server/completion-lsp');
    }
    // completionLsp.server.path naming a self-contained folder: the same.
    const set = resolveServer(input(['/opt/cls/completion-lsp.dll', '/opt/cls/completion-lsp', '/opt/cls/libhostfxr.so', '/usr/bin/dotnet'], { configuredPath: '/opt/cls' }));
    assert.ok(set.ok);
    assert.equal(set.server.command, '/opt/cls/completion-lsp');
    // macOS and Windows name the host library differently.
    const mac = resolveServer(input(['/ext/server/completion-lsp.dll', '/ext/server/completion-lsp', '/ext/server/libhostfxr.dylib', '/usr/bin/dotnet'], { platform: 'darwin' }));
    assert.ok(mac.ok);
    assert.equal(mac.server.command, '/ext/server/completion-lsp');
    const win = resolveServer(
      input(['C:\\ext\\server\\completion-lsp.dll', 'C:\\ext\\server\\completion-lsp.exe', 'C:\\ext\\server\\hostfxr.dll', 'C:\\dotnet\\dotnet.exe'], {
        platform: 'win32',
        env: { Path: 'C:\\dotnet' },
        extensionPath: 'C:\\ext',
      }),
    );
    assert.ok(win.ok);
    assert.equal(win.server.command, 'C:\\ext\\server\\completion-lsp.exe');
  });

  it('2. a shipped .dll alone without dotnet says to install .NET', () => {
    const d = resolveServer(input(['/ext/server/completion-lsp.dll']));
    assert.equal(d.ok, false);
    if (!d.ok) {
      assert.equal(d.reason, 'no-dotnet');
      assert.match(d.message, /\.NET 10/);
    }
  });

  it('3. then completion-lsp on PATH, first match wins', () => {
    const d = resolveServer(input(['/usr/local/bin/completion-lsp', '/usr/bin/completion-lsp']));
    assert.ok(d.ok);
    assert.equal(d.server.source, 'path');
    assert.equal(d.server.command, '/usr/local/bin/completion-lsp');
  });

  it('none found: a message that says exactly what to do', () => {
    const d = resolveServer(input(['/usr/bin/dotnet']));
    assert.equal(d.ok, false);
    if (d.ok) return;
    assert.equal(d.reason, 'not-found');
    assert.equal(d.message, notFoundMessage());
    assert.match(d.message, /dotnet publish src\/CompletionLsp\.Cli -c Release -o artifacts\/server/);
    assert.match(d.message, /completionLsp\.server\.path/);
    assert.match(d.message, /artifacts\/server\/completion-lsp\.dll/);
    assert.match(d.message, /PATH/);
  });

  it('Windows: completion-lsp.exe, Path spelled any way, .dll with dotnet.exe', () => {
    const win = (files: string[], over: Partial<DiscoveryInput> = {}) =>
      resolveServer(input(files, { platform: 'win32', env: { Path: 'C:\\tools;C:\\dotnet' }, extensionPath: 'C:\\ext', ...over }));
    const onPath = win(['C:\\tools\\completion-lsp.exe']);
    assert.ok(onPath.ok);
    assert.equal(onPath.server.command, 'C:\\tools\\completion-lsp.exe');
    const bundled = win(['C:\\ext\\server\\completion-lsp.dll', 'C:\\dotnet\\dotnet.exe']);
    assert.ok(bundled.ok);
    assert.deepEqual([bundled.server.command, ...bundled.server.args], ['C:\\dotnet\\dotnet.exe', 'C:\\ext\\server\\completion-lsp.dll', 'serve']);
  });
});

describe('findDotnet / findOnPath', () => {
  it('prefers DOTNET_ROOT, then PATH', () => {
    const fs = fsOf(['/usr/share/dotnet/dotnet', '/usr/bin/dotnet']);
    assert.equal(findDotnet({ DOTNET_ROOT: '/usr/share/dotnet', PATH: '/usr/bin' }, 'linux', fs.isFile), '/usr/share/dotnet/dotnet');
    assert.equal(findDotnet({ DOTNET_ROOT: '/missing', PATH: '/usr/bin' }, 'linux', fs.isFile), '/usr/bin/dotnet');
    assert.equal(findDotnet({ PATH: '/bin' }, 'linux', fs.isFile), undefined);
  });
  it('skips empty PATH entries and handles a missing PATH', () => {
    const fs = fsOf(['/b/tool']);
    assert.equal(findOnPath('tool', { PATH: '::/a::/b:' }, 'linux', fs.isFile), '/b/tool');
    assert.equal(findOnPath('tool', {}, 'linux', fs.isFile), undefined);
  });
  it('uses PATHEXT on Windows', () => {
    const fs = fsOf(['C:\\bin\\tool.cmd']);
    assert.equal(findOnPath('tool', { PATH: 'C:\\bin', PATHEXT: '.COM;.EXE;.CMD' }, 'win32', fs.isFile), 'C:\\bin\\tool.cmd');
  });
});
