/**
 * The seams of the run engine. Concrete implementations are chosen at start-up:
 * HttpClient (undici, SSRF-guarded), BrowserRenderer (playwright-core + chromium).
 */
export type RecordValue = string | number | boolean | null;
/** One output record: field name → value. Prices are decimal strings ("51.77"), never floats. */
export type ScrapedRecord = Record<string, RecordValue>;

export interface FetchRequest {
  url: string;
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Total deadline for the whole exchange, redirects and body included. */
  timeoutMs?: number;
  /** Cap on decompressed body bytes; exceeding it aborts with NonRetryableError. */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface FetchResponse {
  /** Final URL after redirects. */
  url: string;
  status: number;
  headers: Record<string, string>;
  /** Decompressed body. */
  body: Buffer;
  /** Body decoded with the detected charset (header, BOM, <meta>, else UTF-8). */
  text: string;
  contentType: string;
  /** Bytes received on the wire (compressed), for the run's `traffic` counter. */
  wireBytes: number;
  redirects: string[];
  elapsedMs: number;
}

/**
 * Fetches one URL. Throws BlockedError (SSRF/scheme), RetryableError (network, 5xx, 429: the caller
 * decides whether to retry) or NonRetryableError (too large, too many redirects). 4xx other than 429
 * resolve normally with their status: the caller decides.
 */
export interface HttpClient {
  fetch(req: FetchRequest): Promise<FetchResponse>;
  close(): Promise<void>;
}

/** Decides whether a host may be reached; shared by HTTP and browser paths. */
export interface NetworkPolicy {
  /** Throws BlockedError when the URL may not be fetched (scheme, userinfo, literal private IP, blocked name). */
  checkUrl(url: string): void;
  /** Whether a connected/resolved address may be used. */
  isAddressAllowed(address: string): boolean;
}

export interface RenderedPage {
  url: string;
  status: number;
  html: string;
  title: string;
  elapsedMs: number;
  screenshotPng?: Buffer;
}
