import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ProgressMapper, type ProgressStep } from '../../src/progress';

describe('ProgressMapper', () => {
  it('turns absolute percentages into increments that add up to 100', () => {
    const steps: ProgressStep[] = [];
    const m = new ProgressMapper((s) => steps.push(s));
    m.handle({ kind: 'begin', title: 'Training', percentage: 0, cancellable: true });
    m.handle({ kind: 'report', message: 'tokenizing 10/100', percentage: 10 });
    m.handle({ kind: 'report', message: 'tokenizing 50/100', percentage: 50 });
    m.handle({ kind: 'report', percentage: 40 }); // never backwards
    m.handle({ kind: 'report', message: 'counting' });
    m.handle({ kind: 'end', message: 'done' });
    assert.deepEqual(steps, [
      { message: 'Training' },
      { message: 'tokenizing 10/100', increment: 10 },
      { message: 'tokenizing 50/100', increment: 40 },
      { message: 'counting' },
      { message: 'done', increment: 50 },
    ]);
    assert.equal(m.percentage, 100);
    assert.equal(steps.reduce((a, s) => a + (s.increment ?? 0), 0), 100);
  });

  it('clamps and ignores junk', () => {
    const steps: ProgressStep[] = [];
    const m = new ProgressMapper((s) => steps.push(s));
    m.handle(null);
    m.handle('50');
    m.handle({ kind: 'report', percentage: Number.NaN });
    m.handle({ kind: 'report', percentage: 250 });
    assert.deepEqual(steps, [{ increment: 100 }]);
  });
});
