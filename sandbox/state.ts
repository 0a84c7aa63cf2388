import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * One ARM resource exactly as an ARM GET returns it. Fields the sandbox does not know are
 * kept verbatim, so a state file round-trips unchanged.
 */
export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  kind?: string;
  sku?: { name?: string; tier?: string; [key: string]: unknown };
  tags?: Record<string, string>;
  /** Quoted entity tag (`"\"0x8DCB1E5A7F3C2D1\""`) on the types that carry one. */
  etag?: string;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A Microsoft Graph directory object (user, service principal, group) known to the sandbox. */
export interface DirectoryObject {
  id: string;
  '@odata.type'?: string;
  [key: string]: unknown;
}

/**
 * A management group as Resource Graph scopes queries by it: its name (what a query's
 * `managementGroups` lists), the subscriptions directly under it and its child groups.
 * Other fields are kept verbatim.
 */
export interface ManagementGroup {
  name: string;
  subscriptions: string[];
  children?: ManagementGroup[];
  [key: string]: unknown;
}

/**
 * The sandbox's whole world (DESIGN §9): ARM resources, child and extension resources as
 * separate entries with full ids, and optionally the directory for the Graph endpoint
 * (absent means "directory unknown", which is different from an empty directory) and the
 * management group tree Resource Graph queries can be scoped by.
 */
export interface SandboxState {
  resources: ArmResource[];
  directory?: DirectoryObject[];
  managementGroups?: ManagementGroup[];
}

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ARM_ID = new RegExp(`^/subscriptions/${GUID}/[^/]+(/[^/]+)*$`, 'i');

/** True when `id` is an ARM id under `/subscriptions/<guid>/...`. */
export function isSubscriptionScopedId(id: string): boolean {
  return ARM_ID.test(id);
}

/** Grants a subscription inherits: served in its role assignment listings, never by id. */
const INHERITED_ASSIGNMENT = /^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+\/providers\/Microsoft\.Authorization\/roleAssignments\/[0-9a-f-]{36}$/i;

const resourceSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  type: z.string().min(1),
  location: z.string().optional(),
  kind: z.string().optional(),
  sku: z.looseObject({ name: z.string().optional(), tier: z.string().optional() }).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  etag: z.string().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});

const directoryObjectSchema = z.looseObject({
  id: z.string().min(1),
  '@odata.type': z.string().optional(),
});

const managementGroupSchema: z.ZodType<ManagementGroup> = z.lazy(() =>
  z.looseObject({
    name: z.string().min(1),
    subscriptions: z.array(z.string().regex(new RegExp(`^${GUID}$`, 'i'), 'expected a subscription GUID')),
    children: z.array(managementGroupSchema).optional(),
  }),
);

/** Every group of a tree, parents before their children. */
export function flattenManagementGroups(groups: readonly ManagementGroup[]): ManagementGroup[] {
  return groups.flatMap((group) => [group, ...flattenManagementGroups(group.children ?? [])]);
}

function parseManagementGroups(json: unknown): ManagementGroup[] {
  const parsed = z.array(managementGroupSchema).safeParse(json, { reportInput: true });
  if (!parsed.success) throw new Error(`Sandbox state: managementGroups: ${formatIssues(parsed.error)}`);
  const seen = new Set<string>();
  for (const group of flattenManagementGroups(parsed.data)) {
    // Queries name groups case-insensitively, so two spellings of one name would be ambiguous.
    const key = group.name.toLowerCase();
    if (seen.has(key)) throw new Error(`Sandbox state: managementGroups: duplicate group name ${JSON.stringify(group.name)}`);
    seen.add(key);
  }
  return parsed.data;
}

function describeEntry(entry: unknown, index: number): string {
  if (typeof entry === 'object' && entry !== null) {
    const record = entry as Record<string, unknown>;
    const label = typeof record.id === 'string' ? record.id : typeof record.name === 'string' ? record.name : undefined;
    if (label !== undefined) return `resources[${index}] (${JSON.stringify(label)})`;
  }
  return `resources[${index}]`;
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'invalid_type' && issue.input === undefined) return `missing '${path}'`;
      return path ? `'${path}': ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * Validates a sandbox state document. Throws an Error naming the offending entry for a
 * non-object, a missing id/name/type, a duplicate id (ids compare case-insensitively) or
 * an id that is not under `/subscriptions/<guid>/`.
 */
export function parseSandboxState(json: unknown): SandboxState {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('Sandbox state: expected an object with a "resources" array');
  }
  const document = json as Record<string, unknown>;
  const rawResources = document.resources;
  if (!Array.isArray(rawResources)) throw new Error('Sandbox state: "resources" must be an array');

  const seen = new Map<string, number>();
  const resources = rawResources.map((entry: unknown, index): ArmResource => {
    const where = describeEntry(entry, index);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new Error(`Sandbox state: ${where} is not an object`);
    }
    const parsed = resourceSchema.safeParse(entry, { reportInput: true });
    if (!parsed.success) throw new Error(`Sandbox state: ${where}: ${formatIssues(parsed.error)}`);
    const resource = parsed.data as ArmResource;
    if (!isSubscriptionScopedId(resource.id) && !INHERITED_ASSIGNMENT.test(resource.id)) {
      throw new Error(`Sandbox state: ${where}: id is not an ARM id under /subscriptions/<guid>/ (or a management group's role assignment)`);
    }
    const key = resource.id.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) throw new Error(`Sandbox state: ${where}: duplicate id (same as resources[${first}])`);
    seen.set(key, index);
    return resource;
  });

  const state: SandboxState = { resources };
  if (document.directory !== undefined) {
    const directory = z.array(directoryObjectSchema).safeParse(document.directory, { reportInput: true });
    if (!directory.success) throw new Error(`Sandbox state: directory: ${formatIssues(directory.error)}`);
    state.directory = directory.data as DirectoryObject[];
  }
  if (document.managementGroups !== undefined) state.managementGroups = parseManagementGroups(document.managementGroups);
  return state;
}

/** Reads and validates a state file; errors name the file. */
export async function loadSandboxState(path: string): Promise<SandboxState> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Sandbox state ${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    return parseSandboxState(json);
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Writes a state file as pretty JSON with a trailing newline. */
export async function saveSandboxState(path: string, state: SandboxState): Promise<void> {
  await writeFile(path, `${JSON.stringify(state, null, 2)}\n`, 'utf8');
}
