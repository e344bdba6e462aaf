// The server ranks completion items by probability. VS Code sorts the list by its own filter score, then
// sortText, then label; without sortText, equally scored items (all of them after a '.') would come out in
// alphabetical order. When the server sent no sortText at all, give the items one that keeps the server's order.
// No `vscode` import.

export interface Sortable {
  sortText?: string;
}

/** Returns the same array, with sortText set from the rank when no item had one. */
export function keepServerOrder<T extends Sortable>(items: T[]): T[] {
  if (items.length === 0 || items.some((i) => typeof i.sortText === 'string' && i.sortText !== '')) return items;
  const width = String(items.length - 1).length;
  items.forEach((item, rank) => {
    item.sortText = String(rank).padStart(width, '0');
  });
  return items;
}

/** Same, for what a completion provider returns: an array, a list with items, or nothing. */
export function keepServerOrderIn<T extends Sortable, L extends { items: T[] }>(
  result: T[] | L | null | undefined,
): T[] | L | null | undefined {
  if (!result) return result;
  if (Array.isArray(result)) return keepServerOrder(result);
  keepServerOrder(result.items);
  return result;
}
