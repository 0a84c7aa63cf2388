/**
 * What can be checked of infra/ without the Bicep compiler (its CLI downloads a binary, which
 * this workplace cannot): module wiring, parameters, references, outputs, api-versions against
 * ../shared/fixtures/FACTS.md, and the security-relevant property values.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declarations, identifierReferences, matching, moduleCalls, outputs, params, readBicep, resources, undeclaredReferences, type BicepFile } from './bicep.js';

const root = resolve(import.meta.dirname, '..', '..');
const infra = join(root, 'infra');
const modulesDir = join(infra, 'modules');
const files: BicepFile[] = [join(infra, 'main.bicep'), ...readdirSync(modulesDir).filter((f) => f.endsWith('.bicep')).map((f) => join(modulesDir, f))].map(readBicep);
const main = files[0]!;
const byPath = new Map(files.map((f) => [f.path, f]));
const moduleFile = (name: string): BicepFile => {
  const file = byPath.get(join(modulesDir, name));
  if (file === undefined) throw new Error(`no module ${name}`);
  return file;
};
const short = (f: BicepFile): string => f.path.slice(root.length + 1);

/** The body `{ … }` of the resource declared as `symbol` (code view, strings kept in the text view). */
function bodyOf(file: BicepFile, symbol: string): { code: string; text: string } {
  const at = new RegExp(`^[ \\t]*(?:resource|module)[ \\t]+${symbol}[ \\t]`, 'm').exec(file.code);
  if (at === null) throw new Error(`${symbol} not declared in ${short(file)}`);
  const open = file.code.indexOf('{', at.index);
  const end = matching(file.code, open);
  return { code: file.code.slice(open, end), text: file.text.slice(open, end) };
}

describe('infra/ module wiring', () => {
  it('has main.bicep at subscription scope and one module per concern', () => {
    expect(main.text).toMatch(/^targetScope = 'subscription'/m);
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it('references only module files that exist', () => {
    for (const file of files) {
      for (const call of moduleCalls(file)) {
        expect(existsSync(resolve(dirname(file.path), call.path)), `${short(file)}:${call.line} module ${call.symbol} '${call.path}'`).toBe(true);
      }
    }
    expect(moduleCalls(main).length).toBeGreaterThanOrEqual(10);
  });

  it('passes only declared parameters to each module, and every required one', () => {
    for (const file of files) {
      for (const call of moduleCalls(file)) {
        const target = byPath.get(resolve(dirname(file.path), call.path));
        expect(target, call.path).toBeDefined();
        const declared = params(target!);
        const names = new Set(declared.map((p) => p.name));
        for (const passed of call.params) expect(names.has(passed), `${short(file)}:${call.line} passes ${passed}, which ${call.path} does not declare`).toBe(true);
        for (const required of declared.filter((p) => !p.hasDefault)) {
          expect(call.params, `${short(file)}:${call.line} does not pass required ${required.name} to ${call.path}`).toContain(required.name);
        }
      }
    }
  });

  it('uses every parameter it declares (none is silently ignored)', () => {
    for (const file of files) {
      const used = new Set(identifierReferences(file).map((r) => r.name));
      for (const param of params(file)) expect(used.has(param.name), `${short(file)}: param ${param.name} is never used`).toBe(true);
    }
  });

  it('documents every parameter with @description', () => {
    for (const file of files) {
      for (const param of params(file)) expect(param.decorators, `${short(file)}:${param.line} param ${param.name}`).toContain('description');
    }
  });

  it('references only declared symbols (parameters, variables, resources, modules, loop variables)', () => {
    for (const file of files) expect(undeclaredReferences(file), short(file)).toEqual([]);
  });

  it('declares every symbol once', () => {
    for (const file of files) {
      const names = declarations(file)
        .filter((d) => d.kind !== 'output')
        .map((d) => d.name);
      expect(names.filter((n, i) => names.indexOf(n) !== i), short(file)).toEqual([]);
    }
  });

  it('loads JSON that exists', () => {
    for (const file of files) {
      for (const m of file.text.matchAll(/loadJsonContent\('([^']+)'\)/g)) expect(existsSync(resolve(dirname(file.path), m[1]!)), `${short(file)} loads ${m[1]}`).toBe(true);
    }
  });
});

describe('infra/main.bicepparam', () => {
  const text = readFileSync(join(infra, 'main.bicepparam'), 'utf8').replace(/\/\/[^\n]*/g, '');
  const set = [...text.matchAll(/^param[ \t]+([A-Za-z_]\w*)[ \t]*=/gm)].map((m) => m[1]!);
  const declared = params(main);

  it('uses main.bicep and sets only its parameters, and every required one', () => {
    expect(text).toMatch(/^using '\.\/main\.bicep'/m);
    for (const name of set) expect(declared.map((p) => p.name), `bicepparam sets ${name}`).toContain(name);
    for (const required of declared.filter((p) => !p.hasDefault)) expect(set).toContain(required.name);
    expect(set).toContain('lockAuditPolicy');
  });
});

describe('secrets', () => {
  const SECRET_NAME = /(secret|password|passwd|connectionstring|connstr|sas|token|credential|(^|[a-z])keys?$)/i;
  const SECRET_VALUE = /\blist[A-Za-z]*\(|\.listKeys\b|primaryKey|secondaryKey|AccountKey=|SharedAccessSignature|\.ConnectionString\b/;

  it('outputs nothing named like a key, secret or connection string, and no list*() call', () => {
    let count = 0;
    for (const file of files) {
      for (const output of outputs(file)) {
        count += 1;
        expect(output.name, `${short(file)}:${output.line}`).not.toMatch(SECRET_NAME);
        expect(output.raw, `${short(file)}:${output.line} output ${output.name}`).not.toMatch(SECRET_VALUE);
      }
    }
    expect(count).toBeGreaterThan(10);
  });

  it('never lists keys or secrets anywhere, and disables shared keys and local auth', () => {
    for (const file of files) expect(file.code, short(file)).not.toMatch(/\blist(Keys|Secrets|AccountSas|ServiceSas|ConnectionStrings)\s*\(/);
    for (const name of ['auditStorage.bicep', 'hostStorage.bicep']) expect(moduleFile(name).text).toMatch(/allowSharedKeyAccess: false/);
    expect(moduleFile('alertTopic.bicep').text).toMatch(/disableLocalAuth: true/);
    expect(moduleFile('monitoring.bicep').text).toMatch(/DisableLocalAuth: true/);
    expect(moduleFile('monitoring.bicep').text).toMatch(/disableLocalAuth: true/);
  });

  it('puts no @secure() value into app settings', () => {
    const secure = files.flatMap((f) => params(f).filter((p) => p.decorators.includes('secure')));
    expect(secure).toEqual([]);
  });
});

describe('the resources as the issue asks for them', () => {
  it('Function App: Flex Consumption, Linux, Node, system identity, HTTPS only, TLS 1.2, FTP off', () => {
    const app = moduleFile('functionApp.bicep').text;
    expect(app).toMatch(/tier: 'FlexConsumption'/);
    expect(app).toMatch(/kind: 'functionapp,linux'/);
    expect(app).toMatch(/type: 'SystemAssigned'/);
    expect(app).toMatch(/httpsOnly: true/);
    expect(app).toMatch(/minTlsVersion: '1\.2'/);
    expect(app).toMatch(/ftpsState: 'Disabled'/);
    expect(app).toMatch(/runtime: \{\s*name: 'node'\s*version: nodeVersion/);
    expect(app).toMatch(/name: 'ftp'\s*properties: \{\s*allow: false/);
    expect(app).toMatch(/name: 'scm'\s*properties: \{\s*allow: false/);
    expect(app).toMatch(/authentication: \{\s*type: 'SystemAssignedIdentity'/);
  });

  it('audit storage: private, TLS 1.2, versioning and soft deletes, WORM container with protected appends, the two tables', () => {
    const storage = moduleFile('auditStorage.bicep');
    expect(storage.text).toMatch(/allowBlobPublicAccess: false/);
    expect(storage.text).toMatch(/minimumTlsVersion: 'TLS1_2'/);
    expect(storage.text).toMatch(/supportsHttpsTrafficOnly: true/);
    expect(storage.text).toMatch(/isVersioningEnabled: true/);
    expect(storage.text).toMatch(/deleteRetentionPolicy: \{\s*enabled: true/);
    expect(storage.text).toMatch(/containerDeleteRetentionPolicy: \{\s*enabled: true/);
    const policy = bodyOf(storage, 'auditPolicy').text;
    expect(policy).toMatch(/immutabilityPeriodSinceCreationInDays: retentionDays/);
    expect(policy).toMatch(/allowProtectedAppendWrites: true/);
    expect(storage.text).toMatch(/@minValue\(2190\)\s*@maxValue\(\d+\)\s*param retentionDays int/);
    expect(main.text).toMatch(/param lockAuditPolicy bool = true/);
    expect(main.text).toMatch(/auditContainer: 'hipaa-audit'/);
    expect(main.text).toMatch(/modesTable: 'remediatormodes'/);
    expect(main.text).toMatch(/alertsTable: 'remediatoralerts'/);
    expect(resources(storage).map((r) => r.type)).toEqual(expect.arrayContaining(['Microsoft.Storage/storageAccounts/tableServices/tables', 'Microsoft.Storage/storageAccounts/managementPolicies']));
  });

  it('Key Vault: RBAC, purge protection, 90-day soft delete, parameterised network access, EC P-256 signing key with rotation', () => {
    const vault = moduleFile('keyVault.bicep').text;
    expect(vault).toMatch(/enableRbacAuthorization: true/);
    expect(vault).toMatch(/enablePurgeProtection: true/);
    expect(vault).toMatch(/softDeleteRetentionInDays: 90/);
    expect(vault).toMatch(/publicNetworkAccess: publicNetworkAccess/);
    expect(vault).toMatch(/kty: skuName == 'premium' \? 'EC-HSM' : 'EC'/);
    expect(vault).toMatch(/curveName: 'P-256'/);
    expect(vault).toMatch(/rotationPolicy: \{/);
    expect(vault).toMatch(/type: 'rotate'/);
  });

  it('Event Grid: subscription system topic, filtered subscription to onResourceChange with retries and identity dead-lettering, CloudEvents alerts topic', () => {
    expect(moduleFile('systemTopic.bicep').text).toMatch(/topicType: 'Microsoft\.Resources\.Subscriptions'/);
    const sub = moduleFile('eventSubscription.bicep').text;
    expect(sub).toMatch(/endpointType: 'AzureFunction'/);
    expect(sub).toMatch(/resourceId: '\$\{functionAppId\}\/functions\/onResourceChange'/);
    expect(sub).toMatch(/includedEventTypes: filters\.includedEventTypes/);
    expect(sub).toMatch(/operatorType: 'StringBeginsWith'\s*key: 'data\.operationName'\s*values: filters\.operationNamePrefixes/);
    expect(sub).toMatch(/retryPolicy: \{\s*maxDeliveryAttempts: maxDeliveryAttempts\s*eventTimeToLiveInMinutes: eventTimeToLiveInMinutes/);
    expect(sub).toMatch(/deadLetterWithResourceIdentity: \{\s*identity: \{\s*type: 'SystemAssigned'/);
    expect(sub).toMatch(/loadJsonContent\('\.\.\/event-filters\.json'\)/);
    expect(moduleFile('alertTopic.bicep').text).toMatch(/inputSchema: 'CloudEventSchemaV1_0'/);
  });

  it('grants each data role on the narrowest scope: container, tables, key, topic', () => {
    const access = moduleFile('serviceAccess.bicep');
    const typeOf = new Map(resources(access).map((r) => [r.symbol, r.type]));
    const expected: Record<string, string> = {
      storageBlobDataContributor: 'Microsoft.Storage/storageAccounts/blobServices/containers',
      storageTableDataContributor: 'Microsoft.Storage/storageAccounts/tableServices/tables',
      keyVaultCryptoUser: 'Microsoft.KeyVault/vaults/keys',
      eventGridDataSender: 'Microsoft.EventGrid/topics',
      storageBlobDataOwner: 'Microsoft.Storage/storageAccounts',
      monitoringMetricsPublisher: 'Microsoft.Insights/components',
    };
    const assignments = resources(access).filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    expect(assignments).toHaveLength(7);
    const seen = new Set<string>();
    for (const assignment of assignments) {
      const body = bodyOf(access, assignment.symbol).code;
      const role = /roles\.(\w+)/.exec(body)?.[1] ?? '';
      const scope = /scope:\s*(\w+)/.exec(body)?.[1] ?? '';
      expect(typeOf.get(scope), `${assignment.symbol}: ${role} on ${scope}`).toBe(expected[role]);
      seen.add(role);
    }
    expect([...seen].sort()).toEqual(Object.keys(expected).sort());
    // The custom role on the subscription, from the generated JSON.
    const role = moduleFile('subscriptionRole.bicep').text;
    expect(role).toMatch(/^targetScope = 'subscription'/m);
    expect(role).toMatch(/loadJsonContent\('\.\.\/role-actions\.json'\)/);
    expect(role).toMatch(/assignableScopes: \[\s*subscription\(\)\.id\s*\]/);
    expect(moduleFile('deadLetterAccess.bicep').text).toMatch(/scope: container/);
  });
});

/** FACTS.md §A: `| <types> | **<version>** (… also stable) | evidence |`. */
function factsApiVersions(): { types: string[]; versions: string[] }[] {
  const facts = readFileSync(resolve(root, '..', 'shared', 'fixtures', 'FACTS.md'), 'utf8');
  const section = facts.slice(facts.indexOf('## A. api-versions'), facts.indexOf('## B.'));
  const rows: { types: string[]; versions: string[] }[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const first = cells[1] ?? '';
    if (!/^Microsoft\.[A-Za-z]+\//.test(first)) continue;
    const names = first.replace(/\([^)]*\)/g, '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const namespace = names[0]!.split('/')[0]!;
    const types = names.map((n) => (n.startsWith('Microsoft.') ? n : `${namespace}/${n}`));
    const versions = [...(cells[2] ?? '').matchAll(/\d{4}-\d{2}-\d{2}(?:-preview)?/g)].map((m) => m[0]);
    rows.push({ types, versions });
  }
  return rows;
}

describe('api-versions', () => {
  const rows = factsApiVersions();
  const declared = files.flatMap((f) => resources(f).map((r) => ({ ...r, file: short(f) })));

  it('reads the FACTS.md table', () => {
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.flatMap((r) => r.types)).toEqual(expect.arrayContaining(['Microsoft.Storage/storageAccounts', 'Microsoft.Authorization/roleAssignments', 'Microsoft.KeyVault/vaults']));
  });

  it('match FACTS.md wherever a resource type (or its parent row) is listed there', () => {
    let checked = 0;
    for (const resource of declared) {
      // The most specific row naming the type or an ancestor (Storage's row covers its sub-resources).
      const row = rows
        .flatMap((r) => r.types.map((t) => ({ t, versions: r.versions })))
        .filter(({ t }) => resource.type.toLowerCase() === t.toLowerCase() || resource.type.toLowerCase().startsWith(`${t.toLowerCase()}/`))
        .sort((a, b) => b.t.length - a.t.length)[0];
      if (row === undefined) continue;
      checked += 1;
      expect(row.versions, `${resource.file}:${resource.line} ${resource.type}@${resource.apiVersion}`).toContain(resource.apiVersion);
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it('use one api-version per resource type across the templates', () => {
    const versions = new Map<string, Set<string>>();
    for (const r of declared) versions.set(r.type.toLowerCase(), (versions.get(r.type.toLowerCase()) ?? new Set()).add(r.apiVersion));
    for (const [type, set] of versions) expect([...set], type).toHaveLength(1);
  });
});
