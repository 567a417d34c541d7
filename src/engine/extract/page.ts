/**
 * A page parsed once and shared by every extraction step (records, follow links, pagination).
 * Structured data is only gathered when a spec asks for it: most specs are pure CSS.
 */
import * as cheerio from 'cheerio/slim';
import type { CheerioAPI } from 'cheerio/slim';
import type { AnyNode, Element } from 'domhandler';
import { extractStructuredData, type StructuredData } from '../parse/structured-data.ts';

export interface LoadedPage {
  /** URL the page was fetched from (final URL after redirects). */
  readonly url: string;
  /** URL relative links resolve against: `<base href>` when present, else `url`. */
  readonly baseUrl: string;
  readonly $: CheerioAPI;
  /** The document node, the scope of page-level fields. */
  readonly root: AnyNode;
  /** Lazy and cached. */
  structured(): StructuredData;
}

export function loadPage(url: string, html: string): LoadedPage {
  const $ = cheerio.load(html);
  const root = $.root()[0]!;
  let structured: StructuredData | undefined;
  return {
    url,
    baseUrl: findBase(root, url),
    $,
    root,
    structured: () => (structured ??= extractStructuredData($)),
  };
}

/** `<base href>` lives in the head; looking only at html > head keeps this from walking the body. */
function findBase(root: AnyNode, url: string): string {
  const html = childTag(root, 'html');
  const head = html ? childTag(html, 'head') : childTag(root, 'head');
  const base = head ? childTag(head, 'base') : null;
  const href = base?.attribs.href?.trim();
  if (!href) return url;
  try {
    return new URL(href, url).href;
  } catch {
    return url;
  }
}

function childTag(n: AnyNode, name: string): Element | null {
  if (!('children' in n)) return null;
  for (const c of n.children) if (c.type === 'tag' && c.name === name) return c;
  return null;
}
