// Maps JSON paths (`fields[1].selector`, as the API's validation errors name them) to line numbers in
// the text the user typed, so an error can point at the right line of the editor whatever the layout.

/** → Map(path → 1-based line) for every value in `text`; throws SyntaxError like JSON.parse. */
export function pathLines(text) {
  const lines = new Map();
  let i = 0;
  let line = 1;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const str = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (path) => {
    ws();
    lines.set(path, line);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const keyLine = line;
        const key = str();
        const p = path ? `${path}.${key}` : key;
        ws();
        i++; // ':'
        value(p);
        lines.set(p, keyLine);
        ws();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') return void str();
    while (i < text.length && /[^\s,\]}]/.test(text[i])) i++;
  };
  JSON.parse(text); // real syntax errors first, with the browser's message
  value('');
  return lines;
}

/** The line for `path`, or for its nearest existing parent (a missing property points at its object). */
export function lineOf(lines, path) {
  let p = path;
  for (;;) {
    if (lines.has(p)) return lines.get(p);
    const up = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    if (up === p) return lines.get(p.replace(/[.[].*$/, '')) ?? 1;
    p = up;
  }
}

/** Line of a JSON.parse SyntaxError ("... at position 123" or "(line 4 column 2)"), if the engine says. */
export function syntaxErrorLine(text, err) {
  const m = /line (\d+)/.exec(err.message);
  if (m) return Number(m[1]);
  const pos = /position (\d+)/.exec(err.message);
  return pos ? text.slice(0, Number(pos[1])).split('\n').length : null;
}
