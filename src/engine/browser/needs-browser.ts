/**
 * Does this HTML need a browser? The Agent Builder fetches over HTTP first (10× cheaper) and switches
 * to Chromium when the page is an application shell: the content is produced by scripts. Pure string
 * heuristics (no DOM library) so it is cheap enough to run on every analysed page.
 */

export interface AppShellSignals {
  /** Visible text characters in <body> (scripts, styles, templates and tags removed). */
  visibleTextChars: number;
  /** An empty mount point such as <div id="root"></div>. */
  emptyMountPoint: boolean;
  scriptCount: number;
  /** <noscript> that asks for JavaScript. */
  noscriptAsksForJs: boolean;
  /** Page data embedded in a script (__NEXT_DATA__, window.__INITIAL_STATE__, ...). */
  dataInScripts: boolean;
}

const MOUNT_IDS = ['root', 'app', '__next', '__nuxt', 'svelte', 'main-app', 'react-root', 'ember-app'];
const EMPTY_MOUNT = new RegExp(
  `<(div|main|section|body|app-root)\\b[^>]*\\bid\\s*=\\s*["']?(?:${MOUNT_IDS.join('|')})(?=["'\\s>])["']?[^>]*>\\s*(?:<!--[\\s\\S]*?-->\\s*)*</\\1>`,
  'i',
);
/** Angular's root element and custom element hosts are empty in the served HTML too. */
const EMPTY_APP_ROOT = /<app-root\b[^>]*>\s*<\/app-root>/i;
const DATA_MARKERS = [
  /id\s*=\s*["']__NEXT_DATA__["']/i,
  /window\.__(?:INITIAL|PRELOADED|APOLLO|REDUX|NUXT)_?(?:STATE|DATA)?__\s*=/i,
  /window\.__NUXT__\s*=/i,
  /self\.__next_f\.push/i, // Next.js app router streams its payload this way
  /window\.__remixContext\s*=/i,
  /<script[^>]+type\s*=\s*["']application\/json["'][^>]*>\s*[{[][\s\S]{200,}?<\/script>/i,
];
const NOSCRIPT_JS = /<noscript\b[^>]*>[\s\S]{0,500}?(enable|turn on|requires?|need)[\s\S]{0,40}?javascript[\s\S]*?<\/noscript>/i;

export function appShellSignals(html: string): AppShellSignals {
  const body = /<body\b[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  const text = body
    .replace(/<(script|style|noscript|template|svg)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/gi, ' ')
    .replace(/\s+/g, '');
  return {
    visibleTextChars: text.length,
    emptyMountPoint: EMPTY_MOUNT.test(html) || EMPTY_APP_ROOT.test(html),
    scriptCount: (html.match(/<script\b/gi) ?? []).length,
    noscriptAsksForJs: NOSCRIPT_JS.test(html),
    dataInScripts: DATA_MARKERS.some((re) => re.test(html)),
  };
}

/**
 * True when the served HTML is a shell whose content is built by JavaScript. Little text alone is not
 * enough (a sparse static page is fine over HTTP): it must come with a second sign of a script-built page.
 */
export function looksLikeAppShell(html: string): boolean {
  const s = appShellSignals(html);
  const littleText = s.visibleTextChars < 200;
  if (s.emptyMountPoint && s.visibleTextChars < 500) return true;
  if (littleText && (s.noscriptAsksForJs || s.dataInScripts || s.scriptCount >= 3)) return true;
  // Server-rendered pages with hydration data are NOT shells: their text is in the HTML already.
  if (s.noscriptAsksForJs && s.visibleTextChars < 500 && s.scriptCount >= 1) return true;
  return false;
}
