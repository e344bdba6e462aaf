import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TraceChannel, type LogChannelLike } from '../../src/traceChannel';

const levels = { Trace: 1, Info: 3 };

/** An output channel at info level (VS Code's default) that records what it is given. */
function channel() {
  const lines: string[] = [];
  const base: LogChannelLike = {
    name: 'CompletionLsp',
    logLevel: levels.Info,
    append: (v) => lines.push(`append ${v}`),
    appendLine: (v) => lines.push(`appendLine ${v}`),
    replace: () => undefined,
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    trace: (m) => lines.push(`trace ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (e) => lines.push(`error ${String(e)}`),
  };
  return { base, lines };
}

describe('TraceChannel (completionLsp.trace.server)', () => {
  it('"messages" and "verbose": log level Trace, so vscode-languageclient traces, and the lines reach the output at info level', () => {
    for (const t of ['messages', 'verbose'] as const) {
      const { base, lines } = channel();
      const c = new TraceChannel(base, t, levels);
      assert.equal(c.logLevel, levels.Trace);
      c.trace("Sending request 'textDocument/completion - (3)'.");
      assert.deepEqual(lines, ["info Sending request 'textDocument/completion - (3)'."]);
    }
  });

  it('"off": log level Info, so the client does not trace, and a stray trace line is dropped', () => {
    const { base, lines } = channel();
    const c = new TraceChannel(base, 'off', levels);
    assert.equal(c.logLevel, levels.Info);
    c.trace('Sending request');
    assert.deepEqual(lines, []);
    c.info('server running');
    assert.deepEqual(lines, ['info server running'], 'everything else passes through');
  });

  it('a change of the setting fires onDidChangeLogLevel (the client then sends $/setTrace), once per change of level', () => {
    const { base } = channel();
    const c = new TraceChannel(base, 'off', levels);
    const seen: number[] = [];
    const sub = c.onDidChangeLogLevel((l) => seen.push(l));
    c.setTrace('messages');
    c.setTrace('verbose'); // still Trace: the client rereads messages/verbose from the setting itself
    c.setTrace('off');
    assert.deepEqual(seen, [levels.Trace, levels.Info]);
    sub.dispose();
    c.setTrace('messages');
    assert.deepEqual(seen, [levels.Trace, levels.Info], 'no events after dispose');
  });
});
