/**
 * The agent definition: a versioned JSON document that says where to start, how to find records and
 * fields, how to paginate and follow links, and when a run counts as a success. It is what the Agent
 * Builder produces, what the editor edits and what the run engine executes. Runs never call an LLM:
 * everything a run needs is in this document.
 *
 * Documented for users in docs/agent-spec.md. Any change here needs a new `version` value and a
 * migration in `upgradeAgentSpec`.
 */
import { z } from 'zod';

export const FIELD_TYPES = ['text', 'number', 'price', 'currency', 'url', 'image', 'date', 'boolean', 'rating', 'availability'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/**
 * Where a field's value comes from, relative to the record (or to the page when there is no list).
 * - text: the element's visible text, whitespace collapsed
 * - own-text: the element's own text nodes only (not its children's)
 * - attr: an attribute (`attribute` required), e.g. href, src, title, content, class
 * - html: the element's inner HTML
 * - json: a path into the record's JSON object (records from a `json-ld` list, or `jsonPath` on the page's
 *   structured data for a page-level field)
 * - constant: `value`, always
 * - url: the URL of the page the record was found on
 * - exists: `value` when `selector` matches something, nothing otherwise (e.g. an enabled "Add to cart"
 *   button → `InStock`)
 */
export const FieldSource = z.enum(['text', 'own-text', 'attr', 'html', 'json', 'constant', 'url', 'exists']);

export const FieldSpec = z
  .object({
    name: z.string().min(1).max(100),
    /** CSS selector relative to the record element(s). Omitted: the record element itself. */
    selector: z.string().min(1).optional(),
    source: FieldSource.default('text'),
    attribute: z.string().min(1).optional(),
    /** Dot path for source=json, e.g. `offers.price` or `brand.name`. Arrays: first element unless `all`. */
    jsonPath: z.string().min(1).optional(),
    value: z.string().optional(),
    /** Applied to the raw string; the first capture group (or the whole match) is kept. */
    regex: z.string().optional(),
    type: z.enum(FIELD_TYPES).default('text'),
    /** Keep every match joined by `separator` instead of the first. */
    all: z.boolean().default(false),
    separator: z.string().default(' | '),
    /**
     * How `all` matches become one value. Omitted (`join`): joined by `separator`. `any-in-stock`: one
     * availability for a product sold in variants (an offer per size): the first match that means in stock,
     * else the first match; on a page, `jsonPath` then reads every value at the path of the first item having it.
     */
    combine: z.enum(['join', 'any-in-stock']).optional(),
    /** A run counts a record missing this field as an error; success criteria may require it. */
    required: z.boolean().default(false),
    /** Fallback extractions tried in order when this one yields nothing. */
    fallbacks: z
      .array(
        z.object({
          selector: z.string().min(1).optional(),
          source: FieldSource.default('text'),
          attribute: z.string().min(1).optional(),
          jsonPath: z.string().min(1).optional(),
          /** For source=exists. */
          value: z.string().optional(),
          regex: z.string().optional(),
        }),
      )
      .default([]),
  })
  .superRefine((f, ctx) => {
    if (f.source === 'attr' && !f.attribute) ctx.addIssue({ code: 'custom', path: ['attribute'], message: 'source "attr" needs an attribute name' });
    if (f.source === 'json' && !f.jsonPath) ctx.addIssue({ code: 'custom', path: ['jsonPath'], message: 'source "json" needs a jsonPath' });
    if (f.source === 'constant' && f.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'source "constant" needs a value' });
    if (f.source === 'exists' && (f.value === undefined || !f.selector)) ctx.addIssue({ code: 'custom', path: [f.value === undefined ? 'value' : 'selector'], message: 'source "exists" needs a selector and a value' });
    f.fallbacks.forEach((fb, i) => {
      if (fb.source === 'exists' && (fb.value === undefined || !fb.selector)) ctx.addIssue({ code: 'custom', path: ['fallbacks', i], message: 'source "exists" needs a selector and a value' });
    });
    if (f.regex !== undefined) {
      try {
        new RegExp(f.regex);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['regex'], message: `invalid regular expression: ${(e as Error).message}` });
      }
    }
  });
export type FieldSpec = z.infer<typeof FieldSpec>;
export type FieldSpecInput = z.input<typeof FieldSpec>;

/**
 * How to find the records on a page.
 * - css: each element matching `selector` starts a record; `span` > 1 joins the next span-1 sibling
 *   elements into the same record (records spread over sibling blocks, e.g. header + body).
 * - json-ld: each structured-data object of `@type` `itemType` on the page (JSON-LD, then microdata) is a
 *   record; fields read it with source=json.
 * Without a list the whole page is one record (a detail page).
 */
export const ListSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('css'), selector: z.string().min(1), span: z.number().int().min(1).max(10).default(1) }),
  z.object({ kind: z.literal('json-ld'), itemType: z.string().min(1) }),
]);
export type ListSpec = z.infer<typeof ListSpec>;

/** Follow each record's link to its detail page and extract more fields there; the record is emitted after. */
export const FollowSpec = z.object({
  /** Relative to the record. */
  linkSelector: z.string().min(1),
  attribute: z.string().default('href'),
  fields: z.array(FieldSpec).min(1),
  /** Commands to run on the detail page when the engine is a browser. */
  browserCommands: z.lazy(() => z.array(BrowserCommand)).default([]),
});
export type FollowSpec = z.infer<typeof FollowSpec>;

export const PaginationSpec = z.discriminatedUnion('kind', [
  /** Follow the element matching `selector` (an `<a href>`, or `attribute`) to the next page. */
  z.object({ kind: z.literal('next-link'), selector: z.string().min(1), attribute: z.string().default('href'), maxPages: z.number().int().min(1).max(100000).default(50) }),
  /** Generate pages from a URL template containing `{page}`: start, start+step, ... up to maxPages pages. Stops at the first page with no records. */
  z.object({ kind: z.literal('url-pattern'), template: z.string().includes('{page}'), start: z.number().int().default(2), step: z.number().int().min(1).default(1), maxPages: z.number().int().min(1).max(100000).default(50) }),
  /** In the browser: click `selector` until it disappears or no new records appear. */
  z.object({ kind: z.literal('load-more'), selector: z.string().min(1), maxClicks: z.number().int().min(1).max(1000).default(50) }),
  /** In the browser: scroll until no new records appear. */
  z.object({ kind: z.literal('infinite-scroll'), maxScrolls: z.number().int().min(1).max(1000).default(50) }),
]);
export type PaginationSpec = z.infer<typeof PaginationSpec>;

/** Browser-engine commands, run in order after the page loads and before extraction. */
export const BrowserCommand = z.discriminatedUnion('action', [
  z.object({ action: z.literal('wait-for-selector'), selector: z.string().min(1), timeoutMs: z.number().int().min(1).max(120000).default(10000) }),
  z.object({ action: z.literal('wait-for-network-idle'), timeoutMs: z.number().int().min(1).max(120000).default(10000) }),
  z.object({ action: z.literal('wait'), ms: z.number().int().min(0).max(60000) }),
  z.object({ action: z.literal('click'), selector: z.string().min(1), optional: z.boolean().default(false) }),
  z.object({ action: z.literal('scroll'), times: z.number().int().min(1).max(1000).default(1) }),
  /** Types `value`, or the input parameter `fromInput` (secrets: never logged). */
  z.object({ action: z.literal('type'), selector: z.string().min(1), value: z.string().optional(), fromInput: z.string().optional(), secret: z.boolean().default(false) }),
  z.object({ action: z.literal('select'), selector: z.string().min(1), value: z.string() }),
  z.object({ action: z.literal('submit'), selector: z.string().min(1) }),
  /** Run the nested commands inside the iframe matched by `frameSelector`. */
  z.object({ action: z.literal('in-frame'), frameSelector: z.string().min(1), commands: z.array(z.lazy((): z.ZodType<unknown> => BrowserCommand)) }),
]);
export type BrowserCommand = z.infer<typeof BrowserCommand>;

export const LimitsSpec = z.object({
  maxPages: z.number().int().min(1).max(1_000_000).default(1000),
  maxRecords: z.number().int().min(1).max(10_000_000).optional(),
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Minimum delay between two requests to one host, in ms. robots.txt Crawl-delay raises it. */
  perHostDelayMs: z.number().int().min(0).max(600_000).default(0),
  runTimeoutSec: z.number().int().min(1).max(7 * 24 * 3600).default(3600),
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  maxRetries: z.number().int().min(0).max(10).default(3),
});
export type LimitsSpec = z.infer<typeof LimitsSpec>;

export const SuccessCriteria = z.object({
  minRecords: z.number().int().min(0).optional(),
  maxErrors: z.number().int().min(0).optional(),
  requiredFields: z.array(z.string()).default([]),
});
export type SuccessCriteria = z.infer<typeof SuccessCriteria>;

export const AGENT_SPEC_VERSION = 1 as const;

export const AgentSpec = z
  .object({
    specVersion: z.literal(AGENT_SPEC_VERSION).default(AGENT_SPEC_VERSION),
    /**
     * Start URLs. `{{name}}` placeholders are filled from the run's input parameters (declared with
     * their defaults in `inputParameters`).
     */
    startUrls: z.array(z.string().min(1)).min(1).max(10000),
    inputParameters: z.record(z.string(), z.string()).default({}),
    /** http: static HTML only; browser: headless Chromium; auto: HTTP first, browser when a page yields no records. */
    engine: z.enum(['http', 'browser', 'auto']).default('http'),
    list: ListSpec.optional(),
    fields: z.array(FieldSpec).min(1),
    follow: FollowSpec.optional(),
    pagination: PaginationSpec.optional(),
    browserCommands: z.array(BrowserCommand).default([]),
    limits: LimitsSpec.default(LimitsSpec.parse({})),
    respectRobotsTxt: z.boolean().default(true),
    userAgent: z.string().optional(),
    /** Block images, fonts and media in the browser unless true. */
    loadMedia: z.boolean().default(false),
    screenshots: z.boolean().default(false),
    successCriteria: SuccessCriteria.optional(),
    /** Fields that identify a record for de-duplication within a run; default: all fields. */
    dedupeBy: z.array(z.string()).optional(),
  })
  .superRefine((s, ctx) => {
    const names = new Set<string>();
    const all = [...s.fields, ...(s.follow?.fields ?? [])];
    all.forEach((f, i) => {
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `duplicate field name "${f.name}"` });
      names.add(f.name);
    });
    for (const req of s.successCriteria?.requiredFields ?? []) {
      if (!names.has(req)) ctx.addIssue({ code: 'custom', path: ['successCriteria', 'requiredFields'], message: `unknown field "${req}"` });
    }
    if (s.list?.kind === 'json-ld') {
      s.fields.forEach((f, i) => {
        if (f.source !== 'json' && f.source !== 'constant' && f.source !== 'url') ctx.addIssue({ code: 'custom', path: ['fields', i, 'source'], message: 'records of a json-ld list are read with source "json"' });
      });
    }
    s.startUrls.forEach((u, i) => {
      const filled = u.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, 'x');
      if (!/^https?:\/\//i.test(filled) && !/^\{\{/.test(u)) ctx.addIssue({ code: 'custom', path: ['startUrls', i], message: 'must be an http(s) URL' });
    });
  });
export type AgentSpec = z.infer<typeof AgentSpec>;
export type AgentSpecInput = z.input<typeof AgentSpec>;

/** One readable line per problem, each naming its path: `fields[2].attribute: source "attr" needs an attribute name`. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export function parseAgentSpec(input: unknown): ParseResult<AgentSpec> {
  const r = AgentSpec.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, errors: formatIssues(r.error) };
}

/** Every field an agent outputs, in order: list/page fields, then detail-page fields. */
export function outputFieldNames(spec: AgentSpec): string[] {
  return [...spec.fields.map((f) => f.name), ...(spec.follow?.fields.map((f) => f.name) ?? [])];
}

/** Fills `{{name}}` placeholders from input parameters (falling back to the declared defaults). */
export function fillTemplate(template: string, params: Record<string, string>): string {
  return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, k: string) => params[k] ?? '');
}
