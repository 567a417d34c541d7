// The JSON editor for an agent definition. Validation errors from the server name a path
// (`definition.fields[1].selector: ...`); each is listed under the editor, its line is marked in the
// gutter, and activating the error selects that line in the textarea.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { lineOf, pathLines, syntaxErrorLine } from '../json-lines.js';

export function definitionEditor(agent, onSaved) {
  const area = h('textarea', { id: 'definition-editor', class: 'code', spellcheck: 'false', rows: 24, 'aria-label': 'Agent definition (JSON)', 'aria-describedby': 'editor-errors' });
  area.value = JSON.stringify(agent.definition, null, 2);
  const gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
  const errors = h('ul', { id: 'editor-errors', class: 'editor-errors', 'aria-live': 'polite' });
  const comment = h('input', { type: 'text', id: 'version-comment', placeholder: 'What changed (optional)', 'aria-label': 'Version comment' });
  let marked = new Set();

  const drawGutter = () => {
    const n = area.value.split('\n').length;
    const frag = [];
    for (let i = 1; i <= n; i++) frag.push(h('div', { class: marked.has(i) ? 'err-line' : '', 'data-line': i }, String(i)));
    gutter.replaceChildren(...frag);
    gutter.scrollTop = area.scrollTop;
  };
  const selectLine = (line) => {
    const lines = area.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((a, l) => a + l.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    // Scroll the textarea so the line is visible (roughly: line height from computed style).
    const lh = parseFloat(getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, (line - 3) * lh);
  };
  const showErrors = (list) => {
    marked = new Set(list.map((e) => e.line).filter(Boolean));
    errors.replaceChildren(
      ...list.map((e) =>
        h('li', {}, e.line ? h('button', { type: 'button', class: 'link-button err-jump', onclick: () => selectLine(e.line) }, `Line ${e.line}`) : null, e.line ? ' ' : null, h('span', { class: 'err-text' }, e.message)),
      ),
    );
    drawGutter();
  };

  area.addEventListener('input', drawGutter);
  area.addEventListener('scroll', () => (gutter.scrollTop = area.scrollTop));

  const save = async () => {
    let definition;
    try {
      definition = JSON.parse(area.value);
    } catch (e) {
      return showErrors([{ line: syntaxErrorLine(area.value, e), message: `Not valid JSON: ${e.message}` }]);
    }
    try {
      const updated = await api(`/api/v1/agent/${agent.id}`, { method: 'PUT', json: { definition, comments: comment.value || null } });
      showErrors([]);
      toast(`Saved as version ${updated.version}`, 'ok');
      onSaved(updated);
    } catch (e) {
      const lines = pathLines(area.value);
      const list = e.errors.length ? e.errors : [e.message];
      showErrors(
        list.map((msg) => {
          const m = /^definition\.?([^:\s]*)\s*:/.exec(msg);
          return { message: msg, line: m ? lineOf(lines, m[1]) : null };
        }),
      );
    }
  };

  const format = () => {
    try {
      area.value = JSON.stringify(JSON.parse(area.value), null, 2);
      showErrors([]);
    } catch (e) {
      showErrors([{ line: syntaxErrorLine(area.value, e), message: `Not valid JSON: ${e.message}` }]);
    }
  };

  drawGutter();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'editor-h' },
    h('h2', { id: 'editor-h' }, 'Edit definition (JSON)'),
    h('div', { class: 'editor' }, gutter, area),
    errors,
    h('div', { class: 'toolbar' }, comment, h('button', { type: 'button', class: 'secondary', onclick: format }, 'Format'), h('button', { type: 'button', class: 'primary', id: 'save-definition', onclick: save }, 'Save new version')),
  );
}
