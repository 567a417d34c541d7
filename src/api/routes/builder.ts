import { z } from 'zod';
import { optionalBool, route } from '../route.ts';

const sessionParams = z.object({ sessionId: z.string().min(1).max(100) });
const cursor = z.preprocess((v) => (v === undefined || v === '' ? -1 : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), z.number({ error: 'lastEventIndex must be an integer' }).int().min(-1));

export const builderRoutes = [
  route({
    method: 'POST',
    path: '/api/v1/agent-builder/start',
    summary: 'Start an Agent Builder session from a prompt (mode "prompt") or a URL (mode "url")',
    tag: 'Agent Builder',
    access: 'user',
    body: z.object({ mode: z.string().nullish(), prompt: z.string().nullish(), url: z.string().nullish(), spaceId: z.number().int().nullish() }),
    responses: { 200: { description: '{ success, sessionId, error }' }, 400: { description: 'Prompt missing or too short/long; URL missing in url mode' } },
    handler: ({ platform, principal, body }) => platform.builder.start(principal, body),
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent-builder/:sessionId/status',
    summary: 'Session status (processing, ready, completed, error, cancelled), phase (building, ready_to_finish, finished), lastEventIndex, agentId',
    tag: 'Agent Builder',
    access: 'user',
    params: sessionParams,
    responses: { 200: { description: '{ status, phase, lastEventIndex, configId, agentId, agentName, error }' }, 404: { description: 'Unknown session' } },
    handler: ({ platform, principal, params }) => platform.builder.status(principal, params.sessionId),
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent-builder/:sessionId/events',
    summary: 'Long poll: events after lastEventIndex (-1 for all); returns at once when newer events exist, else waits up to ~25 s',
    tag: 'Agent Builder',
    access: 'user',
    params: sessionParams,
    query: z.object({ lastEventIndex: cursor }),
    longRunning: true,
    responses: { 200: { description: '{ events: [{ type, timestamp, eventIndex, ... }], lastEventIndex, phase, status }' } },
    handler: ({ platform, principal, params, query, req }) => {
      const abort = new AbortController();
      req.raw.on('close', () => abort.abort());
      return platform.builder.events(principal, params.sessionId, query.lastEventIndex, abort.signal);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agent-builder/:sessionId/conversation',
    summary: 'Conversation history (messageHistory is a JSON array serialised as a string)',
    tag: 'Agent Builder',
    access: 'user',
    params: sessionParams,
    responses: { 200: { description: '{ sessionId, configId, status, totalMessageCount, lastUserPrompt, messageHistory, summarizedContext, updated }' } },
    handler: ({ platform, principal, params }) => platform.builder.conversation(principal, params.sessionId),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent-builder/:sessionId/followup',
    summary: 'A follow-up in plain language (add/remove/rename a field, limit pages or records, follow item pages); valid when ready',
    tag: 'Agent Builder',
    access: 'user',
    params: sessionParams,
    body: z.object({ message: z.string().max(5000).nullish() }),
    responses: { 200: { description: '{ success, error }' }, 409: { description: 'Session is not ready' } },
    handler: ({ platform, principal, params, body }) => platform.builder.followup(principal, params.sessionId, body.message),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent-builder/:sessionId/finish',
    summary: 'Save the draft as an agent; the session becomes completed',
    tag: 'Agent Builder',
    access: 'user',
    params: sessionParams,
    body: z.object({ agentName: z.string().max(200).nullish() }).optional(),
    responses: { 200: { description: '{ success, agentId, configId, agentName, error }' }, 409: { description: 'Session not ready (e.g. cancelled)' } },
    handler: ({ platform, principal, params, body }) => platform.builder.finish(principal, params.sessionId, body?.agentName),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent-builder/:sessionId/cancel',
    summary: 'End the session without creating an agent',
    tag: 'Agent Builder',
    access: 'user',
    params: sessionParams,
    responses: { 200: { description: '{ success, error }' }, 409: { description: 'Session already ended' } },
    handler: ({ platform, principal, params }) => platform.builder.cancel(principal, params.sessionId),
  }),
  route({
    method: 'POST',
    path: '/api/v1/agent-builder/:sessionId/stop',
    summary: 'Stop the current operation and keep the session (Gen-A); with ?cleanup=true (or GLEANER_BUILDER_STOP_MODE=cleanup) end it (Gen-B)',
    tag: 'Agent Builder',
    access: 'user',
    params: sessionParams,
    query: z.object({ cleanup: optionalBool('cleanup') }),
    responses: { 200: { description: '{ success, error }' }, 204: { description: 'Gen-B: stopped and cleaned up' } },
    handler: async ({ platform, principal, params, query, reply }) => {
      const cleanup = query.cleanup ?? platform.config.builderStopMode === 'cleanup';
      const r = await platform.builder.stop(principal, params.sessionId, cleanup);
      if (cleanup) return reply.code(204).send();
      return r;
    },
  }),
];
