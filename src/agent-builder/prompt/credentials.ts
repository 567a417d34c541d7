/**
 * Login credentials written into a prompt ("Log in with username demo and password s3cret, then get ...").
 * They are taken out of the text before it is parsed for fields (otherwise "password s3cret" would become a
 * column), and the password is masked in everything the session shows or stores as text: the user_prompt
 * event, the conversation and the agent's description. The values themselves become the agent's
 * `inputParameters` defaults (typed by `fromInput` commands, the password with `secret: true`).
 */

export interface Credentials {
  username: string;
  password: string;
}

export interface CredentialParse {
  credentials: Credentials | null;
  /** The prompt with every occurrence of the password replaced by `***`. */
  redacted: string;
  /** The prompt without the login clause: what field parsing should read. */
  stripped: string;
}

export const MASK = '***';

/** A value: quoted (may contain spaces) or a bare token; a trailing sentence period is not part of it. */
const Q = `(?:"([^"]+)"|'([^']+)'|([^\\s"',;()]+?))(?=[.)]?(?:[\\s,;]|$))`;
const USER_WORD = '(?:user(?:\\s*name)?|login(?:\\s*name)?|e-?mail|account|id)';
const PASS_WORD = '(?:pass(?:word|wd|phrase)?|pwd|pw)';
const IS = '\\s*(?:is|=|:)?\\s*';
const JOIN = '\\s*(?:,|;|&|/|\\band\\b|\\bwith\\b)?\\s*(?:(?:the|a|my)\\s+)?';

const PATTERNS: RegExp[] = [
  // "username demo and password s3cret", "user: demo / pass: s3cret", "email a@b.c, password 'x y'"
  new RegExp(`\\b${USER_WORD}${IS}${Q}${JOIN}${PASS_WORD}${IS}${Q}`, 'i'),
  // "log in as demo with password s3cret", "sign in as demo / s3cret"
  new RegExp(`\\b(?:log\\s*-?\\s*in|sign\\s*-?\\s*in|logging\\s+in|signing\\s+in|authenticate)\\s+as\\s+${Q}${JOIN}(?:${PASS_WORD}${IS})?${Q}`, 'i'),
  // "login demo:s3cret", "credentials demo:s3cret"
  /\b(?:log\s*-?\s*in|sign\s*-?\s*in|credentials?|auth)\s*(?:with|using)?\s*[:=]?\s*([^\s:"',;]+):([^\s"',;]+?)(?=[.]?(?:[\s,;]|$))/i,
];

/** Words before the credentials that belong to the login clause ("First log in with the"). */
const LEAD = /(?:\b(?:first|please)\s+)?(?:\b(?:log\s*-?\s*in|sign\s*-?\s*in|logging\s+in|signing\s+in|authenticate)\s*(?:to\s+the\s+site\s*)?(?:with|using|as)?\s*(?:(?:the|a|my)\s+)?(?:credentials?\s*)?[:,]?\s*)$/i;
/** Glue after the clause ("..., then get"). */
const TRAIL = /^\s*[.,;]?\s*(?:and\s+)?(?:then\s+)?/i;

export function parseCredentials(prompt: string): CredentialParse {
  for (const re of PATTERNS) {
    const m = re.exec(prompt);
    if (!m) continue;
    const values = m.slice(1).filter((v): v is string => v !== undefined);
    const [username, password] = values;
    if (!username || !password) continue;
    let start = m.index;
    let end = m.index + m[0].length;
    const lead = LEAD.exec(prompt.slice(0, start));
    if (lead) start -= lead[0].length;
    const trail = TRAIL.exec(prompt.slice(end));
    if (trail) end += trail[0].length;
    const stripped = `${prompt.slice(0, start)} ${prompt.slice(end)}`.replace(/\s+/g, ' ').trim();
    return { credentials: { username, password }, redacted: maskSecret(prompt, password), stripped: maskSecret(stripped, password) };
  }
  return { credentials: null, redacted: prompt, stripped: prompt };
}

/** Every occurrence of `secret` replaced by the mask (short secrets too: better over-masked than leaked). */
export function maskSecret(text: string, secret: string): string {
  return secret ? text.split(secret).join(MASK) : text;
}
