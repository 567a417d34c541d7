import { startUiEnv, newPage, signIn, shot, createAgent, demoDefinition } from '/work/main/test/e2e/ui-harness.ts';
const env = await startUiEnv('smoke');
try {
  const id = await createAgent(env, 'Demo products', demoDefinition(env.demo.url));
  const w = await newPage(env);
  await signIn(env, w.page);
  await shot(w.page, 'smoke-dashboard');
  await w.page.goto(`${env.server.url}/#/agents/${id}`);
  await w.page.waitForSelector('#agent-name');
  await shot(w.page, 'smoke-agent');
  await w.page.click('#run-agent');
  await w.page.waitForSelector('.badge-ok', { timeout: 20000 });
  await w.page.waitForSelector('.file-link', { timeout: 10000 });
  await shot(w.page, 'smoke-run');
  console.log('errors', w.errors, 'dialogs', w.dialogs);
} finally {
  await env.close();
}
