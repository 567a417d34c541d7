import { route } from '../route.ts';

export const systemRoutes = [
  route({
    method: 'GET',
    path: '/health',
    summary: 'Liveness: "OK" when the process serves requests',
    tag: 'System',
    access: 'public',
    responses: { 200: { description: 'OK' } },
    handler: ({ reply }) => reply.type('text/plain').send('OK'),
  }),
  route({
    method: 'GET',
    path: '/api/v1/health',
    summary: 'Readiness: database reachable, workers in this process',
    tag: 'System',
    access: 'public',
    responses: { 200: { description: '{ status, database, workers }' } },
    handler: async ({ platform }) => {
      await platform.identity.getSetting('key_pepper');
      return { status: 'ok', database: platform.db.dialect, workers: { id: platform.workerPool.id, active: platform.workerPool.activeCount } };
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/me',
    summary: 'The caller: user, role, spaces (ours)',
    tag: 'System',
    access: 'user',
    responses: { 200: { description: '{ userId, email, role, spaceIds }' } },
    handler: ({ principal }) => ({ userId: principal.userId, email: principal.email, name: principal.name, role: principal.role, organizationId: principal.organizationId, spaceIds: principal.spaceIds }),
  }),
];
