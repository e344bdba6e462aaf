import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseComplete, parseLine } from '../e2e/cliOutput';

describe('CLI output parsing (e2e expectations)', () => {
  it('parses `complete`', () => {
    const out = [
      "prefix 'Co'",
      '  1. 73.96 %  Count                            property',
      '  2.  3.00 %  }                                operator',
      ' 10.  0.47 %  Add                              method',
      '',
    ].join('\n');
    assert.deepEqual(parseComplete(out), [
      { rank: 1, percent: 73.96, text: 'Count', role: 'property' },
      { rank: 2, percent: 3, text: '}', role: 'operator' },
      { rank: 10, percent: 0.47, text: 'Add', role: 'method' },
    ]);
    assert.deepEqual(parseComplete('(no completion: comment)\n'), []);
  });
  it('parses `complete --line`', () => {
    assert.equal(parseLine(' 12.7 %  StringBuilder();\n 3.1 %  int\n'), 'StringBuilder();');
    assert.equal(parseLine('(no suggestion)\n'), undefined);
  });
});
