/**
 * The operator console in a real browser (Debian's chromium driven by playwright-core) against
 * the `serve` host: the webhook server with the admin API over the sandbox, as cli/serve.ts wires
 * it. Signs in with the local token, changes a mode through the form and sees the next event
 * alerted; CSRF, Origin and empty reasons refused; an Entra reader (RS256 token from a local
 * JWKS) sees the page and is refused a change. Screenshots go to test/console/artifacts/.
 * No chromium: the suite fails saying how to install it (never skipped).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxState } from '../../sandbox/index.js';
import { createEntraAuthenticator } from '../../shared/admin/entra.js';
import { adminApi } from '../../shared/admin/host.js';
import { ensureLocalAdminToken, localTokenAuthenticator } from '../../shared/admin/localToken.js';
import { verifyLocalAudit } from '../../shared/audit/local.js';
import { localReportSource } from '../../shared/report/source.js';
import { startWebhookServer, type WebhookServer } from '../../shared/webhookServer.js';
import { armWriteEvent, PRESCRIPTIONS, RX01 } from '../helpers/events.js';
import { sharedPath } from '../helpers/fixtures.js';
import { startWorld, type World } from '../helpers/world.js';

const CHROMIUM = process.env['HIPAA_CHROMIUM'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const TENANT = '0f5e8c2a-9b7d-4e31-a6c4-5d8f2e1b3a79';
const AUDIENCE = 'api://hipaa-remediator';
const READER_OID = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

let world: World;
let server: WebhookServer;
let readerServer: WebhookServer;
let jwks: Server;
let signingKey: CryptoKey;
let base: string;
let token: string;
let tokenPath: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium not found at ${CHROMIUM}: install it (Debian: apt-get update && apt-get install -y chromium) or set HIPAA_CHROMIUM. The console's browser tests do not skip.`);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  world = await startWorld(await loadSandboxState(sharedPath('examples', 'storage-state.json')));
  ({ token, path: tokenPath } = await ensureLocalAdminToken(world.home));
  const admin = adminApi(world.runtime, localTokenAuthenticator(token), () => verifyLocalAudit(world.home), () => localReportSource(world.home), { tokenPath });
  server = await startWebhookServer({ port: 0, processBatch: (b) => world.runtime.pipeline.processBatch(b), log: world.runtime.log, admin });
  base = server.url.replace(/\/api\/events$/, '');

  // A second host over the same world with Entra ID auth (as in Azure), keys from a local JWKS.
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', () => resolve()));
  const entra = createEntraAuthenticator({ tenantId: TENANT, audience: AUDIENCE, operatorRole: 'Remediator.Operator', readerRole: 'Remediator.Reader', jwksUri: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/keys` });
  readerServer = await startWebhookServer({ port: 0, processBatch: (b) => world.runtime.pipeline.processBatch(b), log: world.runtime.log, admin: adminApi(world.runtime, entra, () => verifyLocalAudit(world.home), () => localReportSource(world.home)) });

  // Some history for the page: a fix in rg-pharmacy, and a setting in a second resource group (with markup in its reason).
  await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
  const put = await fetch(`${base}/api/admin/modes/storage-secure-transfer?resourceGroup=rg-research`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ mode: 'off', reason: 'synthetic data only <script>alert(1)</script>' }) });
  expect(put.status).toBe(200);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.on('dialog', () => {
    throw new Error('a dialog opened: something executed script');
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await readerServer?.close();
  await server?.close();
  if (jwks !== undefined) await new Promise<void>((resolve) => jwks.close(() => resolve()));
  await world?.close();
});

interface Validated {
  validity: { valid: boolean; valueMissing: boolean };
}
const cell = (rg: string, remediator: string): string => `form:has(input[name="resourceGroup"][value="${rg}"]):has(input[name="remediator"][value="${remediator}"])`;

describe('operator console in chromium', () => {
  it('starts chromium', () => {
    expect(browser.isConnected()).toBe(true);
  });

  it('signs in with the local token: a session cookie (HttpOnly, SameSite=Strict), not the token', async () => {
    await page.goto(`${base}/console`);
    expect(page.url()).toBe(`${base}/api/admin/console`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('operator console');
    await page.screenshot({ path: join(ARTIFACTS, 'login.png') });
    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/api/admin/console`);
    await expect(page.getByRole('heading', { name: 'Modes per resource group' }).count()).resolves.toBe(1);
    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'hipaa_console', httpOnly: true, sameSite: 'Strict', path: '/api/admin' })]);
    expect(cookies[0]?.value).not.toBe(token);
    // The markup in a stored reason is shown as text.
    await expect(page.getByText('synthetic data only <script>alert(1)</script>').count()).resolves.toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'console.png'), fullPage: true });
  });

  it('refuses an empty reason in the form (nothing sent, nothing changed)', async () => {
    const form = page.locator(cell('rg-pharmacy', 'storage-public-access'));
    await form.locator('xpath=..').locator('summary').click();
    await form.getByLabel(/^Mode/).selectOption('alert');
    await form.getByRole('button', { name: 'Set' }).click();
    await expect(form.locator('input[name="reason"]').evaluate((el) => (el as unknown as Validated).validity.valueMissing)).resolves.toBe(true);
    await form.getByLabel(/^Reason/).fill('   ');
    await form.getByRole('button', { name: 'Set' }).click();
    await expect(form.locator('input[name="reason"]').evaluate((el) => (el as unknown as Validated).validity.valid)).resolves.toBe(false);
    expect(page.url()).toBe(`${base}/api/admin/console`);
    expect((await world.runtime.modeStore.list()).map((s) => s.scope)).toEqual(['rg:rg-research']);
    await form.locator('xpath=../..').screenshot({ path: join(ARTIFACTS, 'cell-form-empty-reason.png') });
  });

  it('refuses POSTs without or with a wrong CSRF token, from another origin, or with a blank reason; nothing changes', async () => {
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const change = { remediator: 'storage-public-access', resourceGroup: 'rg-pharmacy', action: 'set', mode: 'off', reason: 'forged' };
    const post = (form: Record<string, string>, origin = base) => context.request.post(`${base}/api/admin/console/modes`, { form, headers: { origin }, maxRedirects: 0 });
    expect((await post(change)).status()).toBe(403);
    expect((await post({ ...change, csrf: 'A'.repeat(43) })).status()).toBe(403);
    expect((await post({ ...change, csrf }, 'http://evil.example')).status()).toBe(403);
    expect((await post({ ...change, csrf, reason: '' })).status()).toBe(400);
    expect((await world.runtime.modeStore.list()).map((s) => s.scope)).toEqual(['rg:rg-research']);
    const refusals = (await world.audit()).filter((r) => r.kind === 'rejection').map((r) => r.reason);
    expect(refusals).toEqual(['admin console 403: missing or wrong CSRF token (POST /api/admin/console/modes)', 'admin console 403: missing or wrong CSRF token (POST /api/admin/console/modes)', 'admin console 403: Origin is not this host (POST /api/admin/console/modes)']);
  });

  it('changes a mode with a reason: audited, and the next change in that resource group is alerted', async () => {
    const patches = world.serviceRequests('PATCH').length;
    const form = page.locator(cell('rg-pharmacy', 'storage-public-access'));
    if (!(await form.isVisible())) await form.locator('xpath=..').locator('summary').click();
    await form.getByLabel(/^Mode/).selectOption('alert');
    await form.getByLabel(/^Reason/).fill('pharmacy change freeze (CHG-1042)');
    await form.getByRole('button', { name: 'Set' }).click();
    await page.waitForURL(/\/api\/admin\/console\?changed=\d+$/);
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(/Mode changed: audit record #\d+/);

    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'alerted', reason: 'mode alert (resource-group)' });
    expect(world.serviceRequests('PATCH').length).toBe(patches);
    const change = (await world.audit()).filter((r) => r.kind === 'mode-change').at(-1);
    expect(change).toMatchObject({ operator: 'local-token', scope: 'rg:rg-pharmacy', before: { mode: null }, after: { mode: 'alert' }, reason: 'pharmacy change freeze (CHG-1042)' });

    await page.goto(`${base}/api/admin/console`);
    const alerts = page.locator('section[aria-labelledby="h-alerts"]');
    await expect(alerts.getByRole('heading').textContent()).resolves.toBe('Open alerts (1)');
    await expect(alerts.locator('tbody tr').first().textContent()).resolves.toContain('prescriptions');
    await expect(page.locator('section[aria-labelledby="h-decisions"] tbody tr').first().textContent()).resolves.toContain('alerted');
    await expect(page.locator('section[aria-labelledby="h-audit"] .banner.ok').count()).resolves.toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'console-after-change.png'), fullPage: true });

    // The evidence report link opens with the session.
    await page.getByRole('link', { name: 'Evidence report (HTML)' }).click();
    await page.waitForURL(`${base}/api/admin/report`);
    await expect(page.locator('h1').first().textContent()).resolves.toBeTruthy();
    await page.screenshot({ path: join(ARTIFACTS, 'report.png') });
  });

  it('keyboard only: Tab reaches a cell’s Change control and its form', async () => {
    await page.goto(`${base}/api/admin/console`);
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate("document.activeElement?.tagName === 'SUMMARY'");
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.getAttribute("name")')).resolves.toBe('mode');
  });

  it('an Entra reader sees the console read-only and is refused a change (403)', async () => {
    const reader = await new SignJWT({ oid: READER_OID, roles: ['Remediator.Reader'], idtyp: 'user', scp: 'user_impersonation', tid: TENANT })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(`https://login.microsoftonline.com/${TENANT}/v2.0`)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('10m')
      .sign(signingKey);
    const readerBase = readerServer.url.replace(/\/api\/events$/, '');
    const readerContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, extraHTTPHeaders: { authorization: `Bearer ${reader}` } });
    try {
      const readerPage = await readerContext.newPage();
      await readerPage.goto(`${readerBase}/api/admin/console`);
      await expect(readerPage.locator('header .who').textContent()).resolves.toContain('reader');
      await expect(readerPage.locator('form').count()).resolves.toBe(0);
      await readerPage.screenshot({ path: join(ARTIFACTS, 'console-reader.png'), fullPage: true });
      const before = await world.runtime.modeStore.list();
      const refused = await readerContext.request.post(`${readerBase}/api/admin/console/modes`, { form: { remediator: 'storage-public-access', resourceGroup: 'rg-pharmacy', action: 'clear', reason: 'reader tries' }, headers: { origin: readerBase }, maxRedirects: 0 });
      expect(refused.status()).toBe(403);
      expect(await world.runtime.modeStore.list()).toEqual(before);
      expect((await world.audit()).filter((r) => r.kind === 'rejection').at(-1)?.reason).toBe('admin console 403: token lacks the Remediator.Operator role (POST /api/admin/console/modes)');
    } finally {
      await readerContext.close();
    }
  });
});
