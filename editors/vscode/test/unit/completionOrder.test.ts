import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { keepServerOrder, keepServerOrderIn } from '../../src/completionOrder';

describe('keepServerOrder', () => {
  it('gives items without sortText one that sorts in the server order', () => {
    const labels = Array.from({ length: 12 }, (_, i) => `z${12 - i}`); // alphabetical order differs from rank
    const items = keepServerOrder(labels.map((label) => ({ label, sortText: undefined as string | undefined })));
    assert.deepEqual(
      items.map((i) => i.sortText),
      ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11'],
    );
    const sorted = [...items].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1));
    assert.deepEqual(sorted.map((i) => i.label), labels);
  });

  it("keeps the server's own sortText", () => {
    const items = [{ sortText: 'b' }, { sortText: 'a' }, {}];
    keepServerOrder(items);
    assert.deepEqual(items, [{ sortText: 'b' }, { sortText: 'a' }, {}]);
  });

  it('handles lists, arrays and nothing', () => {
    const list = { isIncomplete: false, items: [{ label: 'x' }, { label: 'y' }] as { label: string; sortText?: string }[] };
    assert.equal(keepServerOrderIn(list), list);
    assert.deepEqual(list.items.map((i) => i.sortText), ['0', '1']);
    assert.equal(keepServerOrderIn(null), null);
    assert.equal(keepServerOrderIn(undefined), undefined);
    assert.deepEqual(keepServerOrderIn([]), []);
  });
});
