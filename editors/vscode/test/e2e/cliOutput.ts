// Parses the text output of `completion-lsp complete` (the expected side of the e2e comparison).

export interface CompleteItem {
  rank: number;
  percent: number;
  text: string;
  role: string;
}

/** `complete <file>:<line>:<col>` prints an optional "prefix 'x'" line, then "  1.  12.34 %  Text   role" lines. */
export function parseComplete(out: string): CompleteItem[] {
  const items: CompleteItem[] = [];
  for (const line of out.split(/\r?\n/)) {
    const m = /^\s*(\d+)\.\s+([\d.,]+)\s*%\s+(\S+)\s+(\w+)\s*$/.exec(line);
    if (m) items.push({ rank: Number(m[1]), percent: Number(m[2].replace(',', '.')), text: m[3], role: m[4] });
  }
  return items;
}

/** `complete ... --line` prints "  12.7 %  text" lines, or "(no suggestion)". Returns the first suggestion. */
export function parseLine(out: string): string | undefined {
  for (const line of out.split(/\r?\n/)) {
    const m = /^\s*[\d.,]+\s*%\s{2}(.+)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}
