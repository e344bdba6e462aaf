import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseStatus } from '../../src/protocol';
import { formatModelInfo, formatStatus, formatTrainResult } from '../../src/status';

describe('formatStatus', () => {
  it('shows the server model state', () => {
    const loaded = formatStatus({ kind: 'server', status: { state: 'loaded', modelPath: '/w/.completion-lsp/model' } });
    assert.equal(loaded.text, '$(check) CompletionLsp: model loaded');
    assert.match(loaded.tooltip, /\/w\/\.completion-lsp\/model/);
    assert.equal(loaded.severity, 'normal');
    const semantic = formatStatus({ kind: 'server', status: { state: 'loaded', semantic: 'ready' } });
    assert.equal(semantic.text, '$(check) CompletionLsp: model loaded · semantic');
    assert.match(semantic.tooltip, /only legal names/);
    assert.match(formatStatus({ kind: 'server', status: { state: 'loaded', semantic: 'loading' } }).tooltip, /Semantic model loading/);
    assert.equal(parseStatus({ state: 'loaded', semantic: 'ready' })?.semantic, 'ready');
    assert.equal(parseStatus({ state: 'loaded', semantic: 'bogus' })?.semantic, undefined);

    const training = formatStatus({ kind: 'server', status: { state: 'training', message: '40%' } });
    assert.match(training.text, /training/);
    assert.match(training.text, /~spin/);
    assert.match(training.tooltip, /40%/);

    const none = formatStatus({ kind: 'server', status: { state: 'none' } });
    assert.match(none.text, /no model/);
    assert.match(none.tooltip, /Train Model on Workspace/);
    assert.equal(none.severity, 'warning');

    const error = formatStatus({ kind: 'server', status: { state: 'error', message: 'bad model file' } });
    assert.match(error.text, /error/);
    assert.match(error.tooltip, /bad model file/);
    assert.equal(error.severity, 'error');
  });

  it('shows the client states', () => {
    assert.match(formatStatus({ kind: 'starting' }).text, /starting/);
    assert.equal(formatStatus({ kind: 'stopped', message: 'crashed' }).tooltip, 'crashed');
    assert.match(formatStatus({ kind: 'stopped' }).tooltip, /Restart Server/);
    const noServer = formatStatus({ kind: 'no-server', message: 'build it' });
    assert.equal(noServer.tooltip, 'build it');
    assert.equal(noServer.severity, 'error');
    assert.match(formatStatus({ kind: 'disabled' }).text, /off/);
  });
});

describe('parseStatus', () => {
  it('accepts the contract and drops what is not in it', () => {
    assert.deepEqual(parseStatus({ state: 'loaded', modelPath: '/m', message: 'ok', extra: 1 }), {
      state: 'loaded',
      modelPath: '/m',
      message: 'ok',
    });
    assert.deepEqual(parseStatus({ state: 'none', modelPath: 3 }), { state: 'none' });
  });
  it('rejects malformed payloads', () => {
    for (const p of [null, undefined, 'loaded', {}, { state: 'ready' }, { state: 1 }]) assert.equal(parseStatus(p), undefined);
  });
});

describe('formatModelInfo / formatTrainResult', () => {
  it('summarises a loaded model', () => {
    const r = formatModelInfo({
      loaded: true,
      path: '/w/.completion-lsp/model',
      files: 1234,
      tokens: 5_678_901,
      vocabulary: 40000,
      order: 6,
      smoothing: 'kneser-ney',
      models: ['ngram', 'cache'],
      sourceRoot: '/w',
      createdUtc: '2026-01-02T03:04:05Z',
    });
    assert.equal(r.summary, 'CompletionLsp model: 1,234 files, 5,678,901 tokens, vocabulary 40,000, order 6.');
    assert.equal(
      r.detail,
      'Model: /w/.completion-lsp/model\nModels: ngram, cache\nSmoothing: kneser-ney\nTrained on: /w\nCreated: 2026-01-02T03:04:05Z',
    );
  });
  it('tolerates missing fields', () => {
    const r = formatModelInfo({ loaded: true, files: null });
    assert.equal(r.summary, 'CompletionLsp model loaded.');
    assert.equal(r.detail, '');
    assert.equal(formatModelInfo({ loaded: true, tokens: 12, path: '/m' }).summary, 'CompletionLsp model: 12 tokens.');
  });
  it('says what to do when no model is loaded', () => {
    const r = formatModelInfo({ loaded: false });
    assert.match(r.summary, /no model/);
    assert.match(r.detail, /Train Model on Workspace/);
  });
  it('reports a training result', () => {
    assert.equal(
      formatTrainResult({ modelPath: '/w/.completion-lsp/model', files: 20, tokens: 20559, seconds: 0.84 }),
      'CompletionLsp: trained on 20 files (20,559 tokens) in 0.8 s. Model: /w/.completion-lsp/model',
    );
    assert.match(formatTrainResult({ modelPath: 'm', files: 1, tokens: 1, seconds: 95.4 }), / in 95 s\./);
  });
});
