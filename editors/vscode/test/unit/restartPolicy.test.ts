import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RestartPolicy } from '../../src/restartPolicy';

describe('RestartPolicy', () => {
  it('restarts 5 times within 3 minutes, then gives up with a message', () => {
    let now = 0;
    const p = new RestartPolicy(5, 180_000, () => now);
    for (let i = 1; i <= 5; i++) {
      now += 1000;
      assert.deepEqual(p.onCrash(), { restart: true, recent: i });
    }
    now += 1000;
    const d = p.onCrash();
    assert.equal(d.restart, false);
    assert.match(d.message ?? '', /6 times in the last 3 minutes/);
    assert.match(d.message ?? '', /Restart Server/);
  });

  it('forgets restarts older than the window', () => {
    let now = 0;
    const p = new RestartPolicy(2, 60_000, () => now);
    assert.equal(p.onCrash().restart, true); // t=0
    now = 30_000;
    assert.equal(p.onCrash().restart, true); // t=30s
    now = 59_999;
    assert.equal(p.onCrash().restart, false, 'two restarts within the minute');
    now = 60_000;
    assert.deepEqual(p.onCrash(), { restart: true, recent: 2 }, 'the one at t=0 has left the window');
  });

  it('a manual restart resets the count', () => {
    let now = 0;
    const p = new RestartPolicy(1, 60_000, () => now);
    assert.equal(p.onCrash().restart, true);
    assert.equal(p.onCrash().restart, false);
    p.reset();
    now += 1;
    assert.equal(p.onCrash().restart, true);
  });

  it('maxRestarts 0 never restarts; bad arguments throw', () => {
    assert.equal(new RestartPolicy(0, 1000, () => 0).onCrash().restart, false);
    assert.throws(() => new RestartPolicy(-1));
    assert.throws(() => new RestartPolicy(1.5));
    assert.throws(() => new RestartPolicy(1, 0));
  });

  it('uses the default 5 in 3 minutes', () => {
    const p = new RestartPolicy();
    assert.equal(p.maxRestarts, 5);
    assert.equal(p.windowMs, 180_000);
  });
});
