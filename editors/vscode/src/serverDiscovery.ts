// Finds the completion-lsp server, in the documented order:
//   1. the setting completionLsp.server.path (an executable, a .dll, or a folder holding them),
//   2. the server shipped inside the extension (<extension>/server/),
//   3. `completion-lsp` on PATH.
// A self-contained server (the .vsix ships one: it carries the .NET runtime) is started through its executable; a
// framework-dependent one's .dll is started with `dotnet`. No `vscode` import: file checks and the environment are
// passed in.
import * as path from 'node:path';

export type ServerSource = 'setting' | 'bundled' | 'path';

export interface ServerCommand {
  command: string;
  args: string[];
  source: ServerSource;
  /** The file that was found (the .dll or the executable). */
  file: string;
}

export type Discovery =
  | { ok: true; server: ServerCommand }
  | { ok: false; reason: 'setting-invalid' | 'no-dotnet' | 'not-found'; message: string };

export interface DiscoveryInput {
  /** completionLsp.server.path, already resolved (see settings.ts); undefined when unset. */
  configuredPath: string | undefined;
  /** The extension's install folder (context.extensionPath). */
  extensionPath: string;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  isFile(p: string): boolean;
  isDirectory(p: string): boolean;
}

export const SERVER_NAME = 'completion-lsp';
export const SERVE_ARGS = ['serve'];

/** Where the README tells users to build the server, relative to the repository root. */
export const PUBLISH_COMMAND = 'dotnet publish src/CompletionLsp.Cli -c Release -o artifacts/server';

export function resolveServer(input: DiscoveryInput): Discovery {
  const { platform, env } = input;
  const pathMod = platform === 'win32' ? path.win32 : path.posix;
  const exeNames = platform === 'win32' ? [`${SERVER_NAME}.exe`] : [SERVER_NAME];
  const dotnet = () => findDotnet(env, platform, input.isFile);

  const fromFile = (file: string, source: ServerSource): Discovery => {
    if (file.toLowerCase().endsWith('.dll')) {
      const dn = dotnet();
      if (!dn) {
        return {
          ok: false,
          reason: 'no-dotnet',
          message:
            `CompletionLsp: the server ${file} is a .dll, which needs the \`dotnet\` command, and \`dotnet\` is not on PATH. ` +
            'Install the .NET 10 runtime (or SDK) and restart VS Code, or set DOTNET_ROOT.',
        };
      }
      return { ok: true, server: { command: dn, args: [file, ...SERVE_ARGS], source, file } };
    }
    return { ok: true, server: { command: file, args: [...SERVE_ARGS], source, file } };
  };

  // 1. The setting.
  if (input.configuredPath !== undefined) {
    const p = input.configuredPath;
    if (input.isFile(p)) return fromFile(p, 'setting');
    if (input.isDirectory(p)) {
      const inFolder = pickInFolder(p, exeNames, pathMod, input.isFile, dotnet() !== undefined, platform);
      if (inFolder) return fromFile(inFolder, 'setting');
    }
    return {
      ok: false,
      reason: 'setting-invalid',
      message:
        `CompletionLsp: the setting "completionLsp.server.path" is "${p}", but there is no completion-lsp server there. ` +
        `Point it at completion-lsp.dll or the completion-lsp executable (built with \`${PUBLISH_COMMAND}\` in the ` +
        'CompletionLsp repository, into artifacts/server/), or clear the setting to use the server shipped with the extension or on PATH.',
    };
  }

  // 2. Shipped inside the extension.
  const bundledDir = pathMod.join(input.extensionPath, 'server');
  const bundled = pickInFolder(bundledDir, exeNames, pathMod, input.isFile, dotnet() !== undefined, platform);
  if (bundled) return fromFile(bundled, 'bundled');

  // 3. On PATH.
  const onPath = findOnPath(SERVER_NAME, env, platform, input.isFile);
  if (onPath) return fromFile(onPath, 'path');

  return { ok: false, reason: 'not-found', message: notFoundMessage() };
}

export function notFoundMessage(): string {
  return (
    'CompletionLsp: no completion-lsp server found. In the CompletionLsp repository run ' +
    `\`${PUBLISH_COMMAND}\`, then set "completionLsp.server.path" to <repository>/artifacts/server/completion-lsp.dll ` +
    '(or put the completion-lsp executable on PATH), and run "CompletionLsp: Restart Server".'
  );
}

/** The host library that a self-contained .NET application carries beside its executable. */
export function hostfxrName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'hostfxr.dll' : platform === 'darwin' ? 'libhostfxr.dylib' : 'libhostfxr.so';
}

/**
 * In a published server folder: the executable of a self-contained server (it needs no `dotnet`); in a
 * framework-dependent one the portable completion-lsp.dll when `dotnet` is available (no executable bit needed,
 * works on every OS), else the platform's apphost.
 */
function pickInFolder(
  dir: string,
  exeNames: string[],
  pathMod: path.PlatformPath,
  isFile: (p: string) => boolean,
  haveDotnet: boolean,
  platform: NodeJS.Platform,
): string | undefined {
  const dll = pathMod.join(dir, `${SERVER_NAME}.dll`);
  const exe = exeNames.map((n) => pathMod.join(dir, n)).find(isFile);
  if (exe && isFile(pathMod.join(dir, hostfxrName(platform)))) return exe;
  if (isFile(dll) && (haveDotnet || !exe)) return dll;
  return exe;
}

export function findDotnet(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  isFile: (p: string) => boolean,
): string | undefined {
  const pathMod = platform === 'win32' ? path.win32 : path.posix;
  const root = env.DOTNET_ROOT;
  if (root) {
    const candidate = pathMod.join(root, platform === 'win32' ? 'dotnet.exe' : 'dotnet');
    if (isFile(candidate)) return candidate;
  }
  return findOnPath('dotnet', env, platform, isFile);
}

export function findOnPath(
  name: string,
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  isFile: (p: string) => boolean,
): string | undefined {
  const pathMod = platform === 'win32' ? path.win32 : path.posix;
  // Windows environments spell it Path; look the key up without case there.
  const key = platform === 'win32' ? Object.keys(env).find((k) => k.toUpperCase() === 'PATH') : 'PATH';
  const dirs = ((key && env[key]) || '').split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
  const exts = platform === 'win32' ? (env.PATHEXT || '.EXE;.CMD;.BAT').split(';').filter((e) => e !== '') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = pathMod.join(dir, name + ext.toLowerCase());
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}
