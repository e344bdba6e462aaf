import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULTS,
  KNOWN_MODELS,
  needsRestart,
  readSettings,
  resolveUserPath,
  serverPayload,
  toServerSettings,
  type ConfigurationLike,
  type InspectResult,
} from '../../src/settings';

/** A fake vscode.WorkspaceConfiguration: values per scope, resolved like VS Code does. */
function config(scopes: { global?: Record<string, unknown>; workspace?: Record<string, unknown> }): ConfigurationLike {
  return {
    get<T>(key: string): T | undefined {
      return (scopes.workspace?.[key] ?? scopes.global?.[key]) as T | undefined;
    },
    inspect<T>(key: string): InspectResult<T> | undefined {
      return { globalValue: scopes.global?.[key] as T, workspaceValue: scopes.workspace?.[key] as T };
    },
  };
}

const ws = path.resolve('/work/project');

describe('readSettings', () => {
  it('gives the defaults when nothing is set', () => {
    const s = readSettings(config({}), { trusted: true, workspaceFolder: ws });
    assert.deepEqual(s, { ...DEFAULTS, inline: { ...DEFAULTS.inline }, semantic: { ...DEFAULTS.semantic }, models: [...DEFAULTS.models] });
    assert.equal(s.semantic.enable, true);
  });

  it('reads every setting', () => {
    const s = readSettings(
      config({
        global: {
          'server.path': '/opt/cls/completion-lsp.dll',
          modelPath: 'models/m.bin',
          models: ['ngram', 'LSTM', 'lstm', '', 3],
          maxItems: 7.6,
          enable: false,
          'inline.enable': false,
          'inline.minProbability': 0.3,
          device: 'cuda',
          'semantic.enable': false,
          'trace.server': 'verbose',
        },
      }),
      { trusted: true, workspaceFolder: ws },
    );
    assert.equal(s.serverPath, path.normalize('/opt/cls/completion-lsp.dll'));
    assert.equal(s.modelPath, path.join(ws, 'models/m.bin'));
    assert.deepEqual(s.models, ['ngram', 'lstm']);
    assert.equal(s.maxItems, 8);
    assert.equal(s.enable, false);
    assert.deepEqual(s.inline, { enable: false, minProbability: 0.3 });
    assert.equal(s.device, 'cuda');
    assert.deepEqual(s.semantic, { enable: false });
    assert.equal(s.trace, 'verbose');
  });

  it('replaces invalid values with defaults or clamps them', () => {
    const s = readSettings(
      config({ global: { models: [], maxItems: -4, device: 'tpu', 'inline.minProbability': 7, enable: 'yes', 'trace.server': 1 } }),
      { trusted: true },
    );
    assert.deepEqual(s.models, DEFAULTS.models);
    assert.equal(s.maxItems, 1);
    assert.equal(s.device, 'auto');
    assert.equal(s.inline.minProbability, 1);
    assert.equal(s.enable, true);
    assert.equal(s.trace, 'off');
    assert.equal(readSettings(config({ global: { maxItems: 5000 } }), { trusted: true }).maxItems, 1000);
    assert.equal(readSettings(config({ global: { maxItems: Number.NaN } }), { trusted: true }).maxItems, DEFAULTS.maxItems);
  });

  it('uses workspace values of restricted settings only in a trusted workspace', () => {
    const scopes = {
      global: { 'server.path': '/user/completion-lsp', modelPath: '/user/model', maxItems: 5 },
      workspace: { 'server.path': './evil/completion-lsp', modelPath: './evil-model', maxItems: 9 },
    };
    const trusted = readSettings(config(scopes), { trusted: true, workspaceFolder: ws });
    assert.equal(trusted.serverPath, path.join(ws, 'evil/completion-lsp'));
    assert.equal(trusted.modelPath, path.join(ws, 'evil-model'));

    const restricted = readSettings(config(scopes), { trusted: false, workspaceFolder: ws });
    assert.equal(restricted.serverPath, path.normalize('/user/completion-lsp'));
    assert.equal(restricted.modelPath, path.normalize('/user/model'));
    assert.equal(restricted.maxItems, 9, 'unrestricted settings still come from the workspace');
  });

  it('in Restricted Mode, a restricted setting set only by the workspace is unset', () => {
    const s = readSettings(config({ workspace: { 'server.path': '/tmp/x', modelPath: '/tmp/m' } }), { trusted: false });
    assert.equal(s.serverPath, undefined);
    assert.equal(s.modelPath, undefined);
  });
});

describe('toServerSettings', () => {
  it('maps settings to the server contract, without client-only settings', () => {
    const s = readSettings(config({ global: { 'server.path': '/x', modelPath: '/m/model', device: 'cpu' } }), { trusted: true });
    const out = toServerSettings(s, true);
    assert.deepEqual(out, {
      modelPath: path.normalize('/m/model'),
      models: ['ngram', 'cache', 'ffnn', 'rnn', 'lstm', 'gru', 'bilstm'],
      maxItems: 20,
      enable: true,
      inline: { enable: true, minProbability: 0.03 },
      device: 'cpu',
      semantic: { enable: true },
    });
    assert.ok(!('serverPath' in out) && !('trace' in out));
  });

  it('leaves modelPath out when unset and wraps the payload in "completionLsp"', () => {
    const p = serverPayload(readSettings(config({}), { trusted: true }), false);
    assert.deepEqual(Object.keys(p), ['completionLsp']);
    assert.ok(!('modelPath' in p.completionLsp));
    assert.equal(p.completionLsp.workspaceTrusted, false);
    assert.ok(!('workspaceTrusted' in toServerSettings(readSettings(config({}), { trusted: true }), true)), 'absent when trusted');
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p, 'survives JSON');
  });

  it('in Restricted Mode without a user model path, asks for the cache model only', () => {
    const s = readSettings(config({ global: { models: ['ngram', 'cache', 'lstm'] }, workspace: { modelPath: '/w/m' } }), {
      trusted: false,
    });
    assert.equal(s.modelPath, undefined);
    assert.deepEqual(toServerSettings(s, false).models, ['cache']);
    assert.deepEqual(toServerSettings(s, true).models, ['ngram', 'cache', 'lstm']);
    const own = readSettings(config({ global: { models: ['ngram', 'cache'], modelPath: '/home/me/model' } }), { trusted: false });
    assert.deepEqual(toServerSettings(own, false).models, ['ngram', 'cache'], "the user's own model file is allowed");
  });

  it('does not share arrays with the settings object', () => {
    const s = readSettings(config({}), { trusted: true });
    const out = toServerSettings(s, true);
    out.models.push('gru');
    out.inline.enable = false;
    assert.deepEqual(s.models, ['ngram', 'cache', 'ffnn', 'rnn', 'lstm', 'gru', 'bilstm']);
    assert.equal(s.inline.enable, true);
  });
});

describe('needsRestart', () => {
  it('is true only when the server path changes', () => {
    const a = readSettings(config({}), { trusted: true });
    const b = readSettings(config({ global: { maxItems: 3, modelPath: '/m' } }), { trusted: true });
    const c = readSettings(config({ global: { 'server.path': '/s' } }), { trusted: true });
    assert.equal(needsRestart(a, b), false);
    assert.equal(needsRestart(a, c), true);
  });
});

describe('resolveUserPath', () => {
  const ctx = { workspaceFolder: ws, homeDir: path.resolve('/home/me') };
  it('treats empty and non-strings as unset', () => {
    assert.equal(resolveUserPath('', ctx), undefined);
    assert.equal(resolveUserPath('   ', ctx), undefined);
    assert.equal(resolveUserPath(undefined, ctx), undefined);
    assert.equal(resolveUserPath(null, ctx), undefined);
  });
  it('expands ~ and ${workspaceFolder}, and resolves relative paths from the workspace', () => {
    assert.equal(resolveUserPath('~/m/model', ctx), path.join(ctx.homeDir, 'm/model'));
    assert.equal(resolveUserPath('~', ctx), ctx.homeDir);
    assert.equal(resolveUserPath('${workspaceFolder}/.completion-lsp/model', ctx), path.join(ws, '.completion-lsp/model'));
    assert.equal(resolveUserPath('a/../b', ctx), path.join(ws, 'b'));
    assert.equal(resolveUserPath('/abs/x', ctx), path.normalize('/abs/x'));
  });
  it('leaves ${workspaceFolder} unresolvable without a folder, and relative paths relative', () => {
    assert.equal(resolveUserPath('${workspaceFolder}/m', {}), undefined);
    assert.equal(resolveUserPath('rel/m', {}), path.normalize('rel/m'));
  });
});

describe('package.json', () => {
  it('offers exactly the settings and model names the extension reads and the server accepts', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    const props = pkg.contributes.configuration.properties;
    assert.deepEqual([...props['completionLsp.models'].items.enum].sort(), [...KNOWN_MODELS].sort());
    assert.ok(!props['completionLsp.models'].items.enum.includes('transformer'));
    assert.equal(props['completionLsp.semantic.enable'].default, DEFAULTS.semantic.enable);
  });
});
