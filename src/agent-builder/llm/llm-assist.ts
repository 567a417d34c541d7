/**
 * Optional LLM help while building (never during runs): any OpenAI-compatible chat endpoint reads prompts
 * the rules cannot. Its answer is validated against a schema; any failure (network, timeout, invalid JSON,
 * schema mismatch) falls back to the rules' result.
 */
import { z } from 'zod';
import { request } from 'undici';
import { conceptOf, outputName, type PromptIntent } from '../prompt/parse-prompt.ts';

export interface LlmConfig {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs?: number;
}

export interface LlmAssist {
  improveIntent(prompt: string, fromRules: PromptIntent, signal: AbortSignal): Promise<PromptIntent>;
}

const IntentAnswer = z.object({
  urls: z.array(z.string().url()).max(20),
  fields: z.array(z.string().min(1).max(60)).max(40),
  maxPages: z.number().int().min(1).max(10000).nullable().optional(),
  maxRecords: z.number().int().min(1).max(10_000_000).nullable().optional(),
  followItems: z.boolean().optional(),
});

const SYSTEM = `You turn a request for web data into JSON. Answer ONLY with a JSON object:
{"urls": [absolute http(s) URLs named in the request], "fields": [short field names the user wants, lower case], "maxPages": number|null, "maxRecords": number|null, "followItems": boolean}.
Never invent URLs that are not in the request.`;

export function createLlmAssist(cfg: LlmConfig): LlmAssist {
  return {
    async improveIntent(prompt, fromRules, signal) {
      const res = await request(`${cfg.baseUrl.replace(/\/$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {}) },
        body: JSON.stringify({ model: cfg.model, temperature: 0, response_format: { type: 'json_object' }, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: prompt }] }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(cfg.timeoutMs ?? 15_000)]),
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return fromRules;
      }
      const body = (await res.body.json()) as { choices?: Array<{ message?: { content?: string } }> };
      const content = body.choices?.[0]?.message?.content ?? '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(content.replace(/^```(?:json)?\s*|\s*```$/g, ''));
      } catch {
        return fromRules;
      }
      const a = IntentAnswer.safeParse(parsed);
      if (!a.success) return fromRules;
      // Model-chosen URLs must come from the prompt itself (prompt injection could name an internal host).
      const urls = a.data.urls.filter((u) => prompt.includes(u));
      return {
        ...fromRules,
        urls: fromRules.urls.length ? fromRules.urls : urls,
        // Words the rules could not place (concept 'other') give way to the model's reading.
        fields: fromRules.fields.some((f) => f.concept !== 'other') ? fromRules.fields : a.data.fields.map((f) => ({ name: outputName(f), concept: conceptOf(f) })),
        scope: {
          ...fromRules.scope,
          maxPages: fromRules.scope.maxPages ?? a.data.maxPages ?? undefined,
          maxRecords: fromRules.scope.maxRecords ?? a.data.maxRecords ?? undefined,
          followItems: fromRules.scope.followItems || (a.data.followItems ?? false),
        },
        problems: [],
      };
    },
  };
}
