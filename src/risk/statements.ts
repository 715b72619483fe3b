/**
 * Lexical helpers around the real parsers: where a statement starts (skipping comments) and its
 * line. Splitting a text the grammar rejects is the one splitter's lenient mode
 * (src/migrations/lex-split.ts).
 */

/** Index of the first character that is not whitespace or inside a comment. */
export function skipTrivia(text: string, from = 0): number {
  let i = from;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) {
      i++;
    } else if (c === 45 && text.charCodeAt(i + 1) === 45) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else {
      break;
    }
  }
  return i;
}

/** Counts lines incrementally (statements are visited in order). */
export class LineCounter {
  private pos = 0;
  private line: number;
  constructor(private readonly text: string, private readonly firstLine = 1) {
    this.line = firstLine;
  }
  at(offset: number): number {
    if (offset < this.pos) {
      this.pos = 0;
      this.line = this.firstLine;
    }
    for (let i = this.pos; i < offset; i++) if (this.text.charCodeAt(i) === 10) this.line++;
    this.pos = offset;
    return this.line;
  }
}
