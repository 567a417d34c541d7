/** The typed Gleaner API client: `new GleanerClient({ baseUrl, apiKey })`. */
export { GleanerClient, type GleanerClientOptions } from './client.ts';
export { GleanerApiError, GleanerConnectionError, type ProblemDetails, type RetryOptions } from './http.ts';
export { GleanerBuildError, GleanerTimeoutError, type BuildAgentOptions, type BuildAgentResult, type WaitForRunOptions } from './helpers.ts';
export * from './types.ts';
