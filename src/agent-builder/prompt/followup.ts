/** Follow-up requests on a draft ("add the brand", "rename price to cost", "only 2 pages"), sharing the synonym table. */
import { conceptOf, outputName } from './concepts.ts';
import { parseScope, type RequestedField } from './parse-prompt.ts';

export type FollowupAction =
  | { kind: 'add-field'; field: RequestedField }
  | { kind: 'remove-field'; name: string }
  | { kind: 'rename-field'; from: string; to: string }
  | { kind: 'limit-pages'; maxPages: number }
  | { kind: 'limit-records'; maxRecords: number }
  | { kind: 'all-pages' }
  | { kind: 'follow-items' };
export interface FollowupIntent { actions: FollowupAction[]; problems: string[] }

const clean = (s: string): string => s.replace(/^(?:the|a|an|field|column)\s+/i, '').replace(/\s+(?:field|column|too|as well|also)$/i, '').replace(/[."'!?]/g, '').trim();

/** Finds the current field a phrase refers to: same output name, else same concept. */
function resolve(phrase: string, current: RequestedField[]): RequestedField | undefined {
  const n = outputName(clean(phrase));
  return current.find((f) => f.name === n) ?? current.find((f) => f.concept !== 'other' && f.concept === conceptOf(clean(phrase)));
}

export function parseFollowup(text: string, currentFields: RequestedField[]): FollowupIntent {
  const actions: FollowupAction[] = [];
  const problems: string[] = [];
  for (const part of text.split(/[;\n]|,\s*(?=(?:and\s+)?(?:add|remove|drop|delete|rename|call|only|limit|follow|also)\b)|\band then\b/i)) {
    const t = part.trim();
    if (!t) continue;
    let m: RegExpMatchArray | null;
    if ((m = t.match(/^(?:and\s+)?(?:rename|call)\s+(.+?)\s+(?:to|as)\s+(.+)$/i))) {
      const f = resolve(m[1]!, currentFields);
      if (f) actions.push({ kind: 'rename-field', from: f.name, to: outputName(clean(m[2]!)) });
      else problems.push(`no field "${clean(m[1]!)}" to rename`);
    } else if ((m = t.match(/^(?:and\s+)?(?:remove|drop|delete|skip|without|no longer (?:get|include))\s+(.+)$/i))) {
      for (const w of m[1]!.split(/,|\band\b/)) {
        if (!clean(w)) continue;
        const f = resolve(w, currentFields);
        if (f) actions.push({ kind: 'remove-field', name: f.name });
        else problems.push(`no field "${clean(w)}" to remove`);
      }
    } else if ((m = t.match(/^(?:and\s+)?(?:also\s+)?(?:add|include|get|extract|grab|pull)\s+(?!\d)(.+)$/i)) && !/\bpages?\b/i.test(m[1]!)) {
      for (const w of m[1]!.split(/,|\band\b/)) {
        const words = clean(w.replace(/\b(?:also|too|as well)\b/gi, ''));
        if (!words) continue;
        actions.push({ kind: 'add-field', field: { name: outputName(words), concept: conceptOf(words) } });
      }
    } else {
      const s = parseScope(t);
      const before = actions.length;
      if (s.maxPages) actions.push({ kind: 'limit-pages', maxPages: s.maxPages });
      if (s.maxRecords) actions.push({ kind: 'limit-records', maxRecords: s.maxRecords });
      if (s.allPages) actions.push({ kind: 'all-pages' });
      if (s.followItems) actions.push({ kind: 'follow-items' });
      if (actions.length === before) problems.push(`not understood: "${t}" (try: add X, remove X, rename X to Y, only N pages, at most N records, follow each item's page)`);
    }
  }
  return { actions, problems };
}
