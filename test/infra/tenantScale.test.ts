/**
 * Tenant scale (many subscriptions, one deployment), as far as it can be checked without the
 * Bicep compiler or Azure: main.bicep loops modules/watchedSubscription.bicep over every watched
 * subscription (the home one among them, so its single topic stays the one there was), each event
 * subscription anywhere — Bicep or the policy's embedded template — filters exactly what
 * infra/event-filters.json says, the custom role goes per subscription or on the management group,
 * and infra/policy/deploy-event-subscription.json is a DeployIfNotExists definition at
 * subscription scope.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matching, moduleCalls, params, readBicep, resources, type BicepFile } from './bicep.js';

const root = resolve(import.meta.dirname, '..', '..');
const infra = join(root, 'infra');
const modulesDir = join(infra, 'modules');
const main = readBicep(join(infra, 'main.bicep'));
const moduleFile = (name: string): BicepFile => readBicep(join(modulesDir, name));
const allBicep: BicepFile[] = [main, ...readdirSync(modulesDir).filter((f) => f.endsWith('.bicep')).map(moduleFile)];
const short = (f: BicepFile): string => f.path.slice(root.length + 1);

interface EventFilters {
  includedEventTypes: string[];
  operationNamePrefixes: string[];
}
const filters = JSON.parse(readFileSync(join(infra, 'event-filters.json'), 'utf8')) as EventFilters;

/** The `{ … }` (or `[ … ]` of a loop) after `module|resource <symbol>`, text view (strings kept, comments removed). */
function bodyOf(file: BicepFile, symbol: string): string {
  const at = new RegExp(`^[ \\t]*(?:resource|module)[ \\t]+${symbol}[ \\t][^=]*=[ \\t]*`, 'm').exec(file.code);
  if (at === null) throw new Error(`${symbol} not declared in ${short(file)}`);
  let open = at.index + at[0].length;
  // `= if (condition) { … }`: the body is what follows the condition.
  if (file.code.startsWith('if', open)) open = file.code.slice(matching(file.code, file.code.indexOf('(', open))).search(/\S/) + matching(file.code, file.code.indexOf('(', open));
  return file.text.slice(open, matching(file.code, open));
}

const EVENT_SUBSCRIPTION = 'Microsoft.EventGrid/systemTopics/eventSubscriptions';
const SYSTEM_TOPIC = 'Microsoft.EventGrid/systemTopics';
const EVENTGRID_CONTRIBUTOR = '/providers/Microsoft.Authorization/roleDefinitions/1e241071-0855-49ea-94dc-649edcd759de';

describe('main.bicep: one deployment, many subscriptions', () => {
  const declared = params(main);

  it('declares watchedSubscriptionIds (default: the home subscription) and managementGroupName (default none)', () => {
    expect(declared.find((p) => p.name === 'watchedSubscriptionIds')).toMatchObject({ type: 'array', hasDefault: true });
    expect(main.text).toMatch(/param watchedSubscriptionIds array = \[\s*subscription\(\)\.subscriptionId\s*\]/);
    expect(declared.find((p) => p.name === 'managementGroupName')).toMatchObject({ type: 'string', hasDefault: true });
    expect(main.text).toMatch(/param managementGroupName string = ''/);
    // The former "watched but not deployed" parameter is gone: every watched subscription is deployed.
    expect(declared.map((p) => p.name)).not.toContain('additionalSubscriptionIds');
  });

  it('watches the home subscription always, first, and each subscription once', () => {
    expect(main.text).toMatch(/var homeSubscriptionId = toLower\(subscription\(\)\.subscriptionId\)/);
    expect(main.text).toMatch(/var watchedSubscriptions = union\(\[homeSubscriptionId\], map\(watchedSubscriptionIds, id => toLower\(trim\(string\(id\)\)\)\)\)/);
  });

  it('loops the watched-subscription module over them, scoped to subscription(sub)', () => {
    const call = moduleCalls(main).find((c) => c.path === 'modules/watchedSubscription.bicep');
    expect(call, 'main.bicep calls modules/watchedSubscription.bicep').toBeDefined();
    const body = bodyOf(main, call!.symbol);
    expect(body).toMatch(/^\[\s*for sub in watchedSubscriptions: \{/);
    expect(body).toMatch(/\n\s*scope: subscription\(sub\)\n/);
    expect(body).toMatch(/name: 'hipaa-watched-\$\{sub\}'/);
    // Every watched subscription's events go to this deployment's function and dead-letter container.
    expect(body).toMatch(/functionAppId: functionApp\.outputs\.appId/);
    expect(body).toMatch(/deadLetterAccountId: auditStorage\.outputs\.accountId/);
    expect(body).toMatch(/deadLetterContainerName: names\.deadLetterContainer/);
    expect(body).toMatch(/eventSubscriptionName: names\.eventSubscription/);
    expect(body).toMatch(/subscribeToResourceEvents: subscribeToResourceEvents/);
  });

  it('keeps the home subscription as it was: its service resource group and the same topic name, no second topic anywhere', () => {
    const body = bodyOf(main, 'watched');
    expect(body).toMatch(/resourceGroupName: sub == homeSubscriptionId \? resourceGroupName : eventsResourceGroupName/);
    expect(body).toMatch(/createResourceGroup: sub != homeSubscriptionId/);
    // The single-subscription template named the topic evgst-hipaa-${uniqueString(subscription, resource group)}.
    expect(main.text).toMatch(/var token = uniqueString\(subscription\(\)\.subscriptionId, resourceGroupName\)/);
    expect(moduleFile('watchedSubscription.bicep').text).toMatch(/'evgst-hipaa-\$\{uniqueString\(subscription\(\)\.subscriptionId, resourceGroupName\)\}'/);
    // main.bicep creates no topic or event subscription outside the loop.
    expect(resources(main).map((r) => r.type)).not.toContain(SYSTEM_TOPIC);
    expect(resources(main).map((r) => r.type)).not.toContain(EVENT_SUBSCRIPTION);
    const direct = moduleCalls(main).map((c) => c.path);
    expect(direct).not.toContain('modules/systemTopic.bicep');
    expect(direct).not.toContain('modules/eventSubscription.bicep');
    // An existing topic is used as it is, in the subscription its id names.
    expect(main.text).toMatch(/var existingSystemTopicBySubscription = toObject\(existingSystemTopics, id => toLower\(split\(id, '\/'\)\[2\]\)\)/);
    expect(body).toMatch(/existingSystemTopicResourceId: contains\(existingSystemTopicBySubscription, sub\) \? existingSystemTopicBySubscription\[sub\] : ''/);
  });

  it('puts the custom role on each watched subscription unless a management group is watched', () => {
    const call = moduleCalls(main).find((c) => c.path === 'modules/subscriptionRole.bicep');
    expect(call).toBeDefined();
    const body = bodyOf(main, call!.symbol);
    expect(body).toMatch(/^\[\s*for sub in watchedSubscriptions: if \(!roleOnManagementGroup\) \{/);
    expect(body).toMatch(/\n\s*scope: subscription\(sub\)\n/);
    expect(main.text).toMatch(/var roleOnManagementGroup = !empty\(managementGroupName\)/);
    // The events wait for the role (the first events are read with it).
    expect(bodyOf(main, 'watched')).toMatch(/dependsOn: \[[^\]]*\bsubscriptionRole\b/);
  });

  it('outputs what scripts/deploy.sh and the policy assignment need', () => {
    for (const name of ['watchedSubscriptionIds', 'managementGroupName', 'functionAppId', 'deadLetterStorageAccountId', 'deadLetterContainerName', 'policyDeadLetterIdentityId', 'functionPrincipalId']) {
      expect(main.text, name).toMatch(new RegExp(`^output ${name} `, 'm'));
    }
  });
});

describe('modules/watchedSubscription.bicep', () => {
  const watched = moduleFile('watchedSubscription.bicep');

  it('runs in one subscription and reuses the topic, dead-letter access and event subscription modules', () => {
    expect(watched.text).toMatch(/^targetScope = 'subscription'/m);
    const paths = moduleCalls(watched).map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining(['systemTopic.bicep', 'deadLetterAccess.bicep', 'eventSubscription.bicep']));
    // Reused, not copied: no Event Grid resource of its own.
    expect(resources(watched).filter((r) => r.type.startsWith('Microsoft.EventGrid/'))).toEqual([]);
  });

  it('grants the topic\'s identity the dead-letter container in the home subscription, before the event subscription uses it', () => {
    expect(bodyOf(watched, 'deadLetterAccess')).toMatch(/scope: resourceGroup\(deadLetterParts\[2\], deadLetterParts\[4\]\)/);
    expect(bodyOf(watched, 'deadLetterAccess')).toMatch(/principalId: systemTopic\.outputs\.principalId/);
    expect(bodyOf(watched, 'deadLetterAccess')).toMatch(/name: 'hipaa-dead-letter-\$\{subscription\(\)\.subscriptionId\}'/);
    expect(bodyOf(watched, 'eventSubscription')).toMatch(/dependsOn: \[\s*deadLetterAccess\s*\]/);
    expect(watched.text).toMatch(/module eventSubscription 'eventSubscription\.bicep' = if \(subscribeToResourceEvents\)/);
  });

  it('creates a resource group only outside the home subscription and never beside an existing topic', () => {
    expect(watched.text).toMatch(/resource eventsGroup 'Microsoft\.Resources\/resourceGroups@[^']+' = if \(createResourceGroup && !useExistingTopic\)/);
  });

  it('creates the system topic of the subscription (Microsoft.Resources.Subscriptions, location global)', () => {
    const topic = moduleFile('systemTopic.bicep').text;
    expect(topic).toMatch(/location: 'global'/);
    expect(topic).toMatch(/source: subscription\(\)\.id/);
    expect(topic).toMatch(/topicType: 'Microsoft\.Resources\.Subscriptions'/);
  });
});

describe('every event subscription filters what infra/event-filters.json says', () => {
  it('in Bicep: each event subscription resource takes its filters from the file, nothing else', () => {
    let checked = 0;
    for (const file of allBicep) {
      for (const resource of resources(file).filter((r) => r.type === EVENT_SUBSCRIPTION && !r.existing)) {
        checked += 1;
        const body = bodyOf(file, resource.symbol);
        const filterVar = /includedEventTypes: (\w+)\.includedEventTypes/.exec(body)?.[1];
        expect(filterVar, `${short(file)}: ${resource.symbol}`).toBeDefined();
        expect(file.text).toMatch(new RegExp(`^var ${filterVar} = loadJsonContent\\('\\.\\./event-filters\\.json'\\)`, 'm'));
        expect(body).toMatch(new RegExp(`advancedFilters: \\[\\s*\\{\\s*operatorType: 'StringBeginsWith'\\s*key: 'data\\.operationName'\\s*values: ${filterVar}\\.operationNamePrefixes\\s*\\}\\s*\\]`));
      }
    }
    expect(checked).toBeGreaterThanOrEqual(1);
  });

  it('in the policy: the embedded template\'s filters equal the file', () => {
    const subscriptions = findResources(policy(), EVENT_SUBSCRIPTION);
    expect(subscriptions).toHaveLength(1);
    for (const subscription of subscriptions) {
      const filter = (subscription['properties'] as Json)['filter'] as Json;
      expect(filter['includedEventTypes']).toEqual(filters.includedEventTypes);
      expect(filter['advancedFilters']).toEqual([{ operatorType: 'StringBeginsWith', key: 'data.operationName', values: filters.operationNamePrefixes }]);
      expect(filter['enableAdvancedFilteringOnArrays']).toBe(false);
    }
  });
});

describe('the role on the management group (managementGroupName set)', () => {
  const mg = moduleFile('managementGroupRole.bicep');

  it('is a management-group module: the generated role, assignable on the management group and assigned there to the function', () => {
    expect(mg.text).toMatch(/^targetScope = 'managementGroup'/m);
    expect(mg.text).toMatch(/var permissions = loadJsonContent\('\.\.\/role-actions\.json'\)/);
    const role = bodyOf(mg, 'role');
    expect(role).toMatch(/assignableScopes: \[\s*managementGroup\(\)\.id\s*\]/);
    expect(role).toMatch(/actions: permissions\.actions/);
    expect(role).toMatch(/type: 'CustomRole'/);
    const assignment = bodyOf(mg, 'assignment');
    expect(assignment).toMatch(/roleDefinitionId: role\.id/);
    expect(assignment).toMatch(/principalId: principalId/);
    expect(assignment).not.toMatch(/scope:/);
    expect(params(mg).filter((p) => !p.hasDefault).map((p) => p.name).sort()).toEqual(['principalId', 'subscriptionIds']);
  });

  it('keeps data actions out of the role assigned on the management group (Azure refuses them there) and assigns them per subscription', () => {
    expect(bodyOf(mg, 'role')).toMatch(/dataActions: \[\]/);
    const dataRole = bodyOf(mg, 'dataRole');
    expect(dataRole).toMatch(/dataActions: permissions\.dataActions/);
    expect(dataRole).toMatch(/actions: \[\]/);
    const loop = bodyOf(mg, 'dataAssignments');
    expect(loop).toMatch(/^\[\s*for sub in subscriptionIds: if \(hasDataActions\) \{/);
    expect(loop).toMatch(/scope: subscription\(sub\)/);
    expect(loop).toMatch(/roleDefinitionId: dataRole\.id/);
    expect(moduleFile('subscriptionRoleAssignment.bicep').text).toMatch(/^targetScope = 'subscription'/m);
  });

  it('covers Resource Graph: the role file it loads holds the query and subscription reads', () => {
    const role = JSON.parse(readFileSync(join(infra, 'role-actions.json'), 'utf8')) as { actions: string[] };
    expect(role.actions).toEqual(expect.arrayContaining(['Microsoft.ResourceGraph/resources/read', 'Microsoft.Resources/subscriptions/read']));
  });

  it('is deployed by scripts/deploy.sh when a management group is watched (main.bicep cannot reach one)', () => {
    const deploy = readFileSync(join(root, 'scripts', 'deploy.sh'), 'utf8');
    expect(deploy).toMatch(/mg="\$\(output "\$work\/infra\.json" managementGroupName\)"\nif \[ -n "\$mg" \]; then/);
    expect(deploy).toMatch(/az deployment mg create [^\n]*--management-group-id "\$mg"/);
    expect(deploy).toMatch(/--template-file infra\/modules\/managementGroupRole\.bicep/);
  });
});

// ---- the policy -------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function policy(): Json {
  return JSON.parse(readFileSync(join(infra, 'policy', 'deploy-event-subscription.json'), 'utf8')) as Json;
}

/** Every `{ type: <type>, … }` object anywhere in the JSON (resources of nested templates included). */
function findResources(node: unknown, type: string): Json[] {
  if (Array.isArray(node)) return node.flatMap((n) => findResources(n, type));
  if (node === null || typeof node !== 'object') return [];
  const object = node as Json;
  const own = typeof object['type'] === 'string' && (object['type'] as string).toLowerCase() === type.toLowerCase() && 'apiVersion' in object ? [object] : [];
  return [...own, ...Object.values(object).flatMap((v) => findResources(v, type))];
}

/** `parameters('x')` names used in the strings of `node`, not descending into `skip` (a nested template with its own parameters). */
function parameterReferences(node: unknown, skip?: unknown): Set<string> {
  const names = new Set<string>();
  const walk = (n: unknown): void => {
    if (n === skip && skip !== undefined) return;
    if (typeof n === 'string') for (const m of n.matchAll(/parameters\('([^']+)'\)/g)) names.add(m[1]!);
    else if (Array.isArray(n)) n.forEach(walk);
    else if (n !== null && typeof n === 'object') for (const [k, v] of Object.entries(n)) { walk(k); walk(v); }
  };
  walk(node);
  return names;
}

describe('infra/policy/deploy-event-subscription.json', () => {
  const definition = policy();
  const properties = definition['properties'] as Json;
  const rule = properties['policyRule'] as Json;
  const then = rule['then'] as Json;
  const details = then['details'] as Json;
  const deployment = details['deployment'] as Json;
  const deploymentProperties = deployment['properties'] as Json;
  const template = deploymentProperties['template'] as Json;

  it('parses as a custom definition in mode All on subscriptions, DeployIfNotExists', () => {
    expect(properties['policyType']).toBe('Custom');
    expect(properties['mode']).toBe('All');
    expect(rule['if']).toEqual({ field: 'type', equals: 'Microsoft.Resources/subscriptions' });
    expect(then['effect']).toBe('DeployIfNotExists');
  });

  it('looks for our event subscription across the subscription and deploys at subscription scope', () => {
    expect(String(details['deploymentScope']).toLowerCase()).toBe('subscription');
    expect(String(details['existenceScope']).toLowerCase()).toBe('subscription');
    expect(details['type']).toBe(EVENT_SUBSCRIPTION);
    expect(details['existenceCondition']).toEqual({ field: 'name', equals: "[parameters('eventSubscriptionName')]" });
    // Named as main.bicep names its event subscriptions.
    const eventSubscriptionName = /eventSubscription: '([^']+)'/.exec(main.text)?.[1];
    expect(((properties['parameters'] as Json)['eventSubscriptionName'] as Json)['defaultValue']).toBe(eventSubscriptionName);
    expect(details['roleDefinitionIds']).toEqual([EVENTGRID_CONTRIBUTOR]);
    expect(template['$schema']).toBe('https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#');
  });

  it('declares every parameter it uses, at each level, and passes each level what it declares', () => {
    const policyParameters = Object.keys(properties['parameters'] as Json);
    // Policy level: the rule outside the template.
    for (const name of parameterReferences(rule, template)) expect(policyParameters, `policy parameter ${name}`).toContain(name);
    const levels: { template: Json; passed: Json }[] = [{ template, passed: deploymentProperties['parameters'] as Json }];
    for (const nested of findResources(template, 'Microsoft.Resources/deployments')) {
      const nestedProperties = nested['properties'] as Json;
      expect(nestedProperties['expressionEvaluationOptions']).toEqual({ scope: 'inner' });
      levels.push({ template: nestedProperties['template'] as Json, passed: nestedProperties['parameters'] as Json });
    }
    expect(levels).toHaveLength(2);
    for (const [i, level] of levels.entries()) {
      const declared = Object.keys(level.template['parameters'] as Json).sort();
      expect(Object.keys(level.passed).sort(), `level ${i}: passed = declared`).toEqual(declared);
      const inner = levels[i + 1]?.template;
      for (const name of parameterReferences(level.template['resources'], inner)) expect(declared, `level ${i} uses ${name}`).toContain(name);
      for (const name of parameterReferences(level.template['variables'])) expect(declared, `level ${i} variable uses ${name}`).toContain(name);
    }
  });

  it('creates the subscription\'s system topic and the event subscription to onResourceChange, dead-lettered with the identity main.bicep grants', () => {
    const topics = findResources(template, SYSTEM_TOPIC);
    expect(topics).toHaveLength(1);
    expect(topics[0]!['location']).toBe('global');
    expect(topics[0]!['properties']).toEqual({ source: '[subscription().id]', topicType: 'Microsoft.Resources.Subscriptions' });
    expect(topics[0]!['identity']).toEqual({ type: 'UserAssigned', userAssignedIdentities: { "[parameters('deadLetterIdentityId')]": {} } });
    const [subscription] = findResources(template, EVENT_SUBSCRIPTION);
    const props = subscription!['properties'] as Json;
    expect(props['destination']).toEqual({ endpointType: 'AzureFunction', properties: { resourceId: "[format('{0}/functions/onResourceChange', parameters('functionAppId'))]", maxEventsPerBatch: 1, preferredBatchSizeInKilobytes: 64 } });
    expect(props['retryPolicy']).toEqual({ maxDeliveryAttempts: "[parameters('maxDeliveryAttempts')]", eventTimeToLiveInMinutes: "[parameters('eventTimeToLiveInMinutes')]" });
    expect(props['deadLetterWithResourceIdentity']).toEqual({
      identity: { type: 'UserAssigned', userAssignedIdentity: "[parameters('deadLetterIdentityId')]" },
      deadLetterDestination: { endpointType: 'StorageBlob', properties: { resourceId: "[parameters('deadLetterStorageAccountId')]", blobContainerName: "[parameters('deadLetterContainerName')]" } },
    });
    // The topic name and resource group a Bicep deployment of the same subscription would use.
    expect((template['variables'] as Json)['topicName']).toBe("[format('evgst-hipaa-{0}', uniqueString(subscription().subscriptionId, parameters('resourceGroupName')))]");
    const eventsGroupDefault = /param eventsResourceGroupName string = '([^']+)'/.exec(main.text)?.[1];
    expect(((properties['parameters'] as Json)['resourceGroupName'] as Json)['defaultValue']).toBe(eventsGroupDefault);
    expect(main.text).toMatch(/deadLetterIdentity: 'id-hipaa-deadletter-\$\{token\}'/);
    expect(main.text).toMatch(/principalId: policyDeadLetterIdentity\.outputs\.principalId/);
  });

  it('uses the api-versions the Bicep templates use for the same types', () => {
    const bicepVersions = new Map(allBicep.flatMap((f) => resources(f)).map((r) => [r.type.toLowerCase(), r.apiVersion]));
    let compared = 0;
    for (const type of [SYSTEM_TOPIC, EVENT_SUBSCRIPTION, 'Microsoft.Resources/resourceGroups']) {
      for (const resource of findResources(template, type)) {
        const expected = bicepVersions.get(type.toLowerCase());
        if (expected === undefined) continue;
        compared += 1;
        expect(resource['apiVersion'], type).toBe(expected);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(2);
  });

  it('is explained in infra/README.md, with the caveat that nothing here deploys or validates it', () => {
    const readme = readFileSync(join(infra, 'README.md'), 'utf8');
    expect(readme).toContain('policy/deploy-event-subscription.json');
    expect(readme).toMatch(/az policy assignment create/);
    expect(readme).toMatch(/az policy remediation create/);
    expect(readme).toMatch(/not deployed or validated/i);
  });
});
