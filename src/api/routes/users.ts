/**
 * Users and API keys (ours: Sequentum documents the concepts, not the endpoints). Administrator only; a
 * User gets 403. The secret of a new key appears in the create response once and never again.
 */
import { z } from 'zod';
import { intParam, optionalInt, route } from '../route.ts';
import { userModel } from '../../services/user-service.ts';

const userParams = z.object({ userId: intParam('userId') });
const role = z.preprocess((v) => (typeof v === 'string' ? ({ administrator: 'Administrator', admin: 'Administrator', user: 'User' } as Record<string, string>)[v.trim().toLowerCase()] ?? v : v === 1 ? 'Administrator' : v === 0 ? 'User' : v), z.enum(['Administrator', 'User'], { error: 'must be Administrator or User' }));
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

const UserBody = z.object({
  email: z.string().max(320),
  name: z.string().max(200).optional(),
  role: role.optional(),
  password: z.string().max(256).nullish(),
  isDisabled: bool.optional(),
  spaceIds: z.array(z.number().int()).max(1000).optional(),
});
const UserUpdateBody = UserBody.partial();

export const userRoutes = [
  route({
    method: 'GET',
    path: '/api/v1/users',
    summary: 'Users of the organization (ours; administrators)',
    tag: 'Users',
    access: 'admin',
    responses: { 200: { description: '[{ id, email, name, role, isDisabled, spaceIds, ... }]' } },
    handler: async ({ platform, principal }) => Promise.all((await platform.users.list(principal)).map((u) => userModel(u, platform.identity))),
  }),
  route({
    method: 'POST',
    path: '/api/v1/users',
    summary: 'Create a user (ours; administrators): { email, name?, role: Administrator|User (default User), password? (≥ 8, for the UI), spaceIds? (default: the default space) }',
    tag: 'Users',
    access: 'admin',
    body: UserBody,
    successStatus: 201,
    responses: { 201: { description: 'The created user' }, 409: { description: 'Email already in use' } },
    handler: async ({ platform, principal, body }) => userModel(await platform.users.create(principal, body), platform.identity),
  }),
  route({
    method: 'GET',
    path: '/api/v1/users/:userId',
    summary: 'One user (ours; administrators)',
    tag: 'Users',
    access: 'admin',
    params: userParams,
    responses: { 200: { description: 'The user' }, 404: { description: 'Unknown user' } },
    handler: async ({ platform, principal, params }) => userModel(await platform.users.get(principal, params.userId), platform.identity),
  }),
  route({
    method: 'PUT',
    path: '/api/v1/users/:userId',
    summary: 'Update a user: name, email, role, isDisabled (a disabled user\'s keys stop working), spaceIds (ours; administrators; the last enabled administrator cannot be demoted)',
    tag: 'Users',
    access: 'admin',
    params: userParams,
    body: UserUpdateBody,
    responses: { 200: { description: 'The updated user' }, 409: { description: 'Would leave no enabled administrator, or email in use' } },
    handler: async ({ platform, principal, params, body }) => userModel(await platform.users.update(principal, params.userId, body), platform.identity),
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/users/:userId',
    summary: 'Delete a user and revoke their keys (ours; administrators; not yourself, not the last administrator)',
    tag: 'Users',
    access: 'admin',
    params: userParams,
    responses: { 204: { description: 'Deleted' }, 409: { description: 'Yourself or the last administrator' } },
    handler: async ({ platform, principal, params }) => platform.users.delete(principal, params.userId),
  }),
  route({
    method: 'POST',
    path: '/api/v1/users/:userId/password',
    summary: 'Set a user\'s UI password: { password } (ours; administrators; scrypt-hashed)',
    tag: 'Users',
    access: 'admin',
    params: userParams,
    body: z.object({ password: z.string().max(256) }),
    responses: { 204: { description: 'Set' }, 400: { description: 'Too short' } },
    handler: async ({ platform, principal, params, body }) => platform.users.setPassword(principal, params.userId, body.password),
  }),
  route({
    method: 'POST',
    path: '/api/v1/users/:userId/api-keys',
    summary: 'Issue an API key for a user: { description?, expiresAt? | expiresInDays? (default 365) } → the sk- secret, shown once (ours; administrators)',
    tag: 'API keys',
    access: 'admin',
    params: userParams,
    body: z.object({ description: z.string().max(500).nullish(), expiresAt: z.string().max(60).nullish(), expiresInDays: optionalInt('expiresInDays', 1, 36500) }),
    successStatus: 201,
    responses: { 201: { description: '{ id, key, prefix, userId, description, expiresAt, created }' } },
    handler: async ({ platform, principal, params, body }) => platform.users.issueKey(principal, params.userId, body),
  }),
  route({
    method: 'GET',
    path: '/api/v1/users/:userId/api-keys',
    summary: "A user's API keys: prefix, description, expiry, last use, revocation; never the secret (ours; administrators)",
    tag: 'API keys',
    access: 'admin',
    params: userParams,
    responses: { 200: { description: '[{ id, prefix, description, created, expiresAt, lastUsedAt, revokedAt, isActive }]' } },
    handler: async ({ platform, principal, params }) => platform.users.listKeys(principal, params.userId),
  }),
  route({
    method: 'GET',
    path: '/api/v1/api-keys',
    summary: 'All API keys of the organization (ours; administrators)',
    tag: 'API keys',
    access: 'admin',
    responses: { 200: { description: 'As the per-user list, with userId and userEmail' } },
    handler: async ({ platform, principal }) => platform.users.listKeys(principal),
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/api-keys/:keyId',
    summary: 'Revoke an API key: the next request with it gets 401 (ours; administrators)',
    tag: 'API keys',
    access: 'admin',
    params: z.object({ keyId: intParam('keyId') }),
    responses: { 204: { description: 'Revoked' }, 404: { description: 'Unknown key' } },
    handler: async ({ platform, principal, params }) => platform.users.revokeKey(principal, params.keyId),
  }),
];

