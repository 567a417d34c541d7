import { route } from '../route.ts';
import { buildOpenApi } from '../openapi.ts';
import { API_DOCS_HTML } from '../api-docs-page.ts';

export const openApiRoutes = [
  route({
    method: 'GET',
    path: '/api/v1/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document (ours)',
    tag: 'System',
    access: 'public',
    responses: { 200: { description: 'The OpenAPI document' } },
    // Built per request from the live route table (imported lazily to avoid a cycle with routes/index.ts),
    // so routes registered by any module are always described.
    handler: async () => {
      const { allRoutes } = await import('./index.ts');
      return buildOpenApi(allRoutes);
    },
  }),
  route({
    method: 'GET',
    path: '/api/docs',
    summary: 'API reference page rendering the OpenAPI document (ours)',
    tag: 'System',
    access: 'public',
    responses: { 200: { description: 'HTML page' } },
    handler: ({ reply }) => reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(API_DOCS_HTML),
  }),
];
