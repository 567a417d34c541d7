/** Applies a plain-language follow-up ("add the brand", "rename price to cost", "only 2 pages") to the intent. */
import { conceptOf, type PromptIntent, type RequestedField } from './prompt/parse-prompt.ts';
import { parseFollowup } from './prompt/followup.ts';

export interface AppliedFollowup {
  intent: PromptIntent;
  changed: boolean;
  problems: string[];
  summary: string;
}

export function applyFollowup(current: PromptIntent, text: string, draftFields: string[] = []): AppliedFollowup {
  const intent: PromptIntent = structuredClone(current);
  // A session that started without named fields works on the detected ones.
  if (!intent.fields.length && draftFields.length) intent.fields = draftFields.map((n): RequestedField => ({ name: n, concept: conceptOf(n) }));
  const parsed = parseFollowup(text, intent.fields);
  const done: string[] = [];
  for (const a of parsed.actions) {
    switch (a.kind) {
      case 'add-field':
        if (!intent.fields.some((f) => f.name === a.field.name)) intent.fields.push(a.field), done.push(`adding "${a.field.name}"`);
        break;
      case 'remove-field':
        intent.fields = intent.fields.filter((f) => f.name !== a.name);
        done.push(`removing "${a.name}"`);
        break;
      case 'rename-field':
        intent.fields = intent.fields.map((f) => (f.name === a.from ? { ...f, name: a.to } : f));
        done.push(`renaming "${a.from}" to "${a.to}"`);
        break;
      case 'limit-pages':
        intent.scope = { ...intent.scope, maxPages: a.maxPages, allPages: false };
        done.push(`limiting to ${a.maxPages} page(s)`);
        break;
      case 'limit-records':
        intent.scope = { ...intent.scope, maxRecords: a.maxRecords };
        done.push(`limiting to ${a.maxRecords} records`);
        break;
      case 'all-pages':
        intent.scope = { ...intent.scope, maxPages: undefined, allPages: true };
        done.push('following every page');
        break;
      case 'follow-items':
        intent.scope = { ...intent.scope, followItems: true };
        done.push("following each item's page");
        break;
    }
  }
  const changed = done.length > 0;
  return { intent, changed, problems: parsed.problems, summary: changed ? `Rebuilding: ${done.join(', ')}.${parsed.problems.length ? ` (Ignored: ${parsed.problems.join('; ')})` : ''}` : '' };
}
