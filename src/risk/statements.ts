/**
 * Lexical helpers around the real parsers: where a statement starts (skipping comments), its line,
 * and a quote- and comment-aware splitter used only when a whole text fails to parse, so that the
 * statements around a broken one are still analysed.
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

export interface Piece {
  text: string;
  /** Offset of the piece's first significant character in the source text. */
  offset: number;
}

/**
 * Splits SQL at top-level semicolons, honouring '…', "…", `…`, […], $tag$…$tag$, -- and /* *\/.
 * A `BEGIN … END` trigger body is kept together (CREATE TRIGGER … BEGIN … END;).
 */
export function splitStatements(text: string): Piece[] {
  const out: Piece[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  let depthBeginEnd = 0;
  let word = '';
  let inTrigger = false;
  const flushWord = () => {
    const w = word.toUpperCase();
    if (w === 'TRIGGER') inTrigger = true;
    else if (inTrigger && w === 'BEGIN') depthBeginEnd++;
    else if (depthBeginEnd > 0 && w === 'END') depthBeginEnd--;
    word = '';
  };
  const push = (end: number) => {
    const s = skipTrivia(text, start);
    if (s < end) {
      const t = text.slice(s, end).trim();
      if (t) out.push({ text: t, offset: s });
    }
  };
  while (i < n) {
    const c = text[i]!;
    if (/[A-Za-z_]/.test(c)) {
      word += c;
      i++;
      continue;
    }
    if (word) flushWord();
    if (c === "'" || c === '"' || c === '`') {
      const close = text.indexOf(c, i + 1);
      i = close < 0 ? n : close + 1;
    } else if (c === '[') {
      const close = text.indexOf(']', i + 1);
      i = close < 0 ? n : close + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '$') {
      const m = /^\$[A-Za-z_0-9]*\$/.exec(text.slice(i, i + 64));
      if (m) {
        const close = text.indexOf(m[0], i + m[0].length);
        i = close < 0 ? n : close + m[0].length;
      } else i++;
    } else if (c === ';' && depthBeginEnd === 0) {
      push(i);
      start = i + 1;
      inTrigger = false;
      i++;
    } else i++;
  }
  if (word) flushWord();
  push(n);
  return out;
}
