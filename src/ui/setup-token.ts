/**
 * First-run setup token (the Jupyter/Grafana pattern). On a fresh install the bootstrap administrator has no
 * password, and `POST /ui/setup` sets it; without a gate, whoever reaches the server first would own it.
 * So `serve` generates a one-time token at start-up while setup is still needed and prints the setup URL once
 * on the console (`First run: open http://.../ui/setup?token=... to set the admin password`); the operator
 * can also choose it with GLEANER_SETUP_TOKEN (automation, several API servers behind one load balancer).
 *
 * Only a SHA-256 of the token is kept (per process, in memory); it is compared in constant time, never
 * logged, and dropped once the password is set. A server with no token at all refuses setup (fail closed).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Platform } from '../platform.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Where the console line and the 403 send the operator. */
export const SETUP_PATH = '/ui/setup';
export const SETUP_TOKEN_ENV = 'GLEANER_SETUP_TOKEN';

export class SetupToken {
  #hash: Buffer | null;
  readonly fromEnv: boolean;

  constructor(configured: string | undefined) {
    this.fromEnv = Boolean(configured);
    this.#hash = configured ? digest(configured) : null;
  }

  /** A token is currently accepted (issued at start-up or configured, and setup not done yet). */
  get active(): boolean {
    return this.#hash !== null;
  }

  /**
   * Start-up while setup is needed: a fresh random token (256 bits) unless one is configured or already
   * issued. Returns the plaintext to print once, or null when there is nothing new to show.
   */
  issue(): string | null {
    if (this.#hash) return null;
    const token = randomBytes(32).toString('base64url');
    this.#hash = digest(token);
    return token;
  }

  /** Constant-time check (both sides are hashed to 32 bytes first, so neither content nor length leaks). */
  matches(candidate: unknown): boolean {
    const expected = this.#hash;
    if (!expected || typeof candidate !== 'string' || candidate.length === 0 || candidate.length > 1024) return false;
    return timingSafeEqual(digest(candidate), expected);
  }

  /** Setup is done: no token is accepted by this process any more. */
  revoke(): void {
    this.#hash = null;
  }
}

const tokens = new WeakMap<Platform, SetupToken>();

/** The setup token of this server process (one per Platform). */
export function setupTokenOf(platform: Platform): SetupToken {
  let t = tokens.get(platform);
  if (!t) {
    t = new SetupToken(platform.config.setupToken);
    tokens.set(platform, t);
  }
  return t;
}

/** True while no user of the (single) organization has a password: the first-run state. */
export async function needsSetup(platform: Platform): Promise<boolean> {
  const org = await platform.identity.firstOrganization();
  if (!org) return false;
  const users = await platform.identity.listUsers(org.id);
  return !users.some((u) => u.password_hash);
}

export interface FirstRunSetup {
  /** The setup URL with the real token (keep it in memory; for tests and embedders). */
  url: string;
  /** The console line: the URL with a generated token, or a placeholder when it came from GLEANER_SETUP_TOKEN. */
  message: string;
}

/** Called once by `serve` after listening: null when an administrator password is already set. */
export async function prepareFirstRunSetup(platform: Platform, baseUrl: string): Promise<FirstRunSetup | null> {
  if (!(await needsSetup(platform))) return null;
  const gate = setupTokenOf(platform);
  const generated = gate.issue();
  const configured = platform.config.setupToken;
  const token = generated ?? configured;
  // issue() returns null only when a token is configured or was already issued (and printed) before.
  if (!token) return null;
  const at = `${baseUrl}${SETUP_PATH}?token=`;
  const url = `${at}${encodeURIComponent(token)}`;
  const message = generated
    ? `First run: open ${url} to set the admin password (one-time link, valid until the password is set)`
    : `First run: open ${at}<value of ${SETUP_TOKEN_ENV}> to set the admin password`;
  return { url, message };
}
