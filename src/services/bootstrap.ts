/**
 * First start: one organization, its default space, the bootstrap administrator and an API key for it
 * (GLEANER_API_KEY when set, otherwise generated and printed once). Idempotent, and safe when two
 * processes boot against one PostgreSQL at once (settings row as the guard).
 */
import type { Platform } from '../platform.ts';

export interface BootstrapResult {
  organizationId: number;
  defaultSpaceId: number;
  adminUserId: number;
  /** Set only when this start created the key and it was not supplied: print it once. */
  generatedKey: string | null;
}

export async function bootstrapOrganization(p: Platform): Promise<BootstrapResult> {
  const now = p.clock.now().toISOString();
  const claimed = await p.identity.ensureSetting('bootstrap_owner', `${process.pid}:${now}`);
  const mine = claimed === `${process.pid}:${now}`;
  let org = await p.identity.firstOrganization();
  if (!org && mine) org = await p.identity.createOrganization('Default organization', now);
  for (let i = 0; !org && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    org = await p.identity.firstOrganization();
  }
  if (!org) throw new Error('bootstrap: no organization was created');
  let space = await p.identity.defaultSpace(org.id);
  if (!space && mine) space = await p.identity.createSpace({ organizationId: org.id, name: 'Default', description: 'The default space', isDefault: true }, now);
  let admin = await p.identity.getUserByEmail(p.config.adminEmail);
  if (!admin && mine) admin = await p.identity.createUser({ organizationId: org.id, email: p.config.adminEmail, name: 'Administrator', role: 'Administrator' }, now);
  for (let i = 0; (!space || !admin) && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    space = await p.identity.defaultSpace(org.id);
    admin = await p.identity.getUserByEmail(p.config.adminEmail);
  }
  if (!space || !admin) throw new Error('bootstrap: default space or administrator missing');
  await p.identity.addMember(space.id, admin.id, now);
  let generatedKey: string | null = null;
  const supplied = p.config.bootstrapApiKey;
  if (supplied) {
    // The operator's key: registered once; later starts with the same key find it.
    if (!(await p.identity.findApiKeyByHash(p.auth.hashKey(supplied)))) await p.auth.issueKey(admin.id, { key: supplied, description: 'Bootstrap key (GLEANER_API_KEY)' });
  } else if (mine && (await p.identity.listApiKeys({ organizationId: org.id })).length === 0) {
    generatedKey = (await p.auth.issueKey(admin.id, { description: 'Bootstrap key (generated on first start)' })).key;
  }
  return { organizationId: org.id, defaultSpaceId: space.id, adminUserId: admin.id, generatedKey };
}
