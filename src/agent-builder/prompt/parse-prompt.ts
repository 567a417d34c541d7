/**
 * Understands a plain-language request without an LLM: the URLs, the fields (in the user's words, each tagged
 * with a canonical concept from the shared synonym table) and the scope (pages, record limits, follow items).
 */
import { conceptOf, outputName, type Concept } from './concepts.ts';

export { CONCEPT_SYNONYMS, CONCEPT_HINTS, CONCEPTS, conceptOf, outputName, type Concept } from './concepts.ts';

export interface RequestedField { name: string; concept: Concept }
export interface PromptScope { maxPages?: number; maxRecords?: number; allPages: boolean; followItems: boolean }
export interface PromptIntent {
  urls: string[];
  fields: RequestedField[];
  scope: PromptScope;
  /** True when the wording asks for many records ("every book", "all reviews"), a hint for list vs detail. */
  listHint: boolean;
  problems: string[];
}

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const NUM_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twenty: 20, fifty: 50, hundred: 100 };
const NUM = '(\\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred)';
const num = (s: string): number => NUM_WORDS[s.toLowerCase()] ?? Number.parseInt(s, 10);

/** Words that start a request or glue a list together; they are never field names. */
const LEAD_WORDS = /^(?:please\s+)?(?:(?:pull|get|extract|scrape|collect|fetch|grab|find|give me|list|show|return|take|read|capture|i want|i need|we need|and|also|plus|then|with|including|include)(?:\s+|$))*(?:(?:the|a|an|their|its|each|every|all|of|for|from|on|in|at)(?:\s+|$))*/i;
/** Tails that say where or which records, not what field: "availability of every book", "price from ...". */
const TAIL_RE = /\s+(?:of|for|from|on|at|in)\s+(?:every|each|all|the|this|that|these|those|any)\b.*$|\s+(?:from|on|at)\b.*$/i;
const PLURAL_RE = /\b(every|each|all|list of|reviews|products|books|items|listings|results|records|articles|posts|entries|jobs|rows)\b/i;

export function parsePrompt(text: string): PromptIntent {
  const problems: string[] = [];
  const urls = [...new Set((text.match(URL_RE) ?? []).map(cleanUrl))];
  if (urls.length === 0) problems.push('no URL found: include the address of the page');
  const scope = parseScope(text);
  let rest = text.replace(URL_RE, ' , ').replace(/\{\{\s*url\s*\}\}/gi, ' , ');
  rest = stripScopePhrases(rest);
  const listHint = PLURAL_RE.test(rest) || scope.allPages || scope.maxPages !== undefined;
  const fields = parseFieldList(rest);
  if (fields.length === 0) problems.push('no fields named: the detected columns will be used');
  return { urls, fields, scope, listHint, problems };
}

function cleanUrl(u: string): string {
  return u.replace(/[.,;:!?)\]]+$/, '');
}

export function parseScope(text: string): PromptScope {
  const t = text.toLowerCase();
  const scope: PromptScope = { allPages: false, followItems: false };
  let m = t.match(new RegExp(`\\b(?:first|up to|at most|max(?:imum)?|only|just|limit(?: to)?)\\s+${NUM}\\s+pages?\\b`)) ?? t.match(new RegExp(`\\b${NUM}\\s+pages?\\b`));
  if (m) scope.maxPages = num(m[1]!);
  else if (/\bonly (?:the )?(?:first )?page(?: 1| one)?\b|\bpage 1 only\b|\bjust (?:the )?first page\b|\bonly page (?:1|one)\b|\bthis page only\b/.test(t)) scope.maxPages = 1;
  if (/\b(?:every|all|each) (?:the )?pages?\b|\ball of the pages\b|\bacross (?:all )?pages\b|\bfollow (?:the )?pagination\b|\bevery page\b/.test(t)) scope.allPages = true;
  for (const r of t.matchAll(new RegExp(`\\b(?:at most|up to|max(?:imum)?|limit(?: to)?|first|top|only)\\s+${NUM}\\b(\\s+[a-z]+)?`, 'g'))) {
    if (r[2] && /^\s*pages?$/.test(r[2])) continue;
    scope.maxRecords = num(r[1]!);
    break;
  }
  if (/\b(?:follow|open|visit|go into|from|on|into)\s+(?:each|every|all|the)\s+(?:[\w-]+'?s?\s+){0,2}(?:detail|product|item|article)?\s*pages?\b|\bdetail pages?\b|\bfollow (?:the )?(?:links?|items?)\b/.test(t)) {
    if (!/\b(?:every|all|each) pages?\b/.test(t.replace(/\b(?:detail|product|item)\s+pages?/g, ''))) scope.followItems = true;
    if (/\bdetail pages?\b|\bfollow\b|\bopen\b|\bvisit\b/.test(t)) scope.followItems = true;
  }
  if (scope.followItems && scope.allPages && !/\b(?:every|all) pages\b|\bevery page\b(?! of)/.test(t.replace(/(?:detail|product|item)\s+pages?/g, ''))) scope.allPages = false;
  return scope;
}

function stripScopePhrases(s: string): string {
  return s
    .replace(new RegExp(`\\b(?:from |on |of |across |for )?(?:the )?(?:first|up to|at most|max(?:imum)?|only|just|limit(?: to)?|top)\\s+${NUM}\\s*(?:pages?|records?|items?|rows?|results?)?`, 'gi'), ' , ')
    .replace(/\b(?:from |on |across |of )?(?:every|all|each) (?:the )?pages?\b/gi, ' , ')
    .replace(/\b(?:and )?(?:follow|open|visit)\s+(?:each|every|all|the)\b[^,.;]*?pages?\b/gi, ' , ')
    .replace(/\b(?:from|on) (?:each|every) [^,.;]*?(?:detail )?pages?\b/gi, ' , ')
    .replace(/\bonly (?:the )?(?:first )?page(?: 1| one)?\b/gi, ' , ');
}

/** Splits on commas, "and", ":" and "with"; cleans each chunk; keeps chunks that name a field. */
export function parseFieldList(s: string): RequestedField[] {
  const chunks = s.split(/[,;:\n]|\band\b|\bwith\b|\bplus\b|&|\+|\//i);
  const out: RequestedField[] = [];
  const seen = new Set<string>();
  for (const raw of chunks) {
    const words = cleanChunk(raw);
    if (!words) continue;
    const concept = conceptOf(words);
    const n = words.split(/\s+/).length;
    // An unknown multi-word chunk is a sentence fragment, not a field; a plural record noun is the list itself.
    if (concept === 'other' && n > 3) continue;
    // "every review", "all books": the records themselves, not a field of them.
    if (/\b(every|each|all)\b/i.test(raw.replace(TAIL_RE, ''))) continue;
    const name = outputName(words);
    if (!name || seen.has(name)) continue;
    seen.add(name);
    out.push({ name, concept });
  }
  return out;
}

function cleanChunk(raw: string): string {
  let w = raw.replace(/[."'!?()]/g, ' ').replace(/\s+/g, ' ').trim();
  w = w.replace(TAIL_RE, '').trim();
  w = w.replace(LEAD_WORDS, '').trim();
  w = w.replace(/\b(?:field|fields|column|columns|value|values|info|information)$/i, '').trim();
  if (/^(?:it|them|this|that|page|the page|site|website|data|everything|stuff)$/i.test(w)) return '';
  return w;
}

