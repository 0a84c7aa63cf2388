/**
 * `npm run package`: the zip the Function App is deployed from.
 *
 * 1. builds (`tsc -p tsconfig.json`, as `npm run build`);
 * 2. stages, in a temporary folder, what the Functions host loads: the compiled entries
 *    `dist/functions/*.js` (package.json `main`) and every file they import, followed through
 *    relative imports (static and dynamic) — not the CLI, the bench or the rest of the sandbox —
 *    plus host.json, package.json and package-lock.json;
 * 3. installs the production dependencies there (`npm ci --omit=dev --ignore-scripts`);
 * 4. drops what Node never loads from node_modules (type declarations, source maps, TypeScript
 *    sources, READMEs and changelogs; licences stay);
 * 5. imports every entry and every production dependency from the staged tree (a missing file
 *    fails the packaging, not the Function App);
 * 6. writes dist/hipaa-remediator-functions.zip (or `--out <file>`) and reports its size and
 *    what dominates it.
 *
 * Options: `--out <file>`, `--keep-staging` (print the folder and leave it), `--skip-build`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from './paths.js';
import { writeZip } from './zip.js';

export const PACKAGE_NAME = 'hipaa-remediator-functions.zip';
/** The issue's target for the deployment package. */
export const TARGET_BYTES = 10 * 1024 * 1024;

/** `import … from '…'` / `export … from '…'` (tsc keeps multi-line import lists), `import '…'`, `import('…')`. */
const SPECIFIERS = [/^[ \t]*(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"\n]+)\1/gm, /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm, /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g];

/** Module specifiers a compiled ES module imports (static, re-exports and dynamic with a literal). */
export function moduleSpecifiers(source: string): string[] {
  const found = new Set<string>();
  for (const pattern of SPECIFIERS) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[2];
      if (specifier !== undefined) found.add(specifier);
    }
  }
  return [...found];
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../');
}

/** Node's own modules (`node:fs`, `fs`): not a dependency to package. */
function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? specifier);
}

export interface Closure {
  /** Every file reachable from the entries through relative imports, relative to the root, sorted. */
  files: string[];
  /** The packages' module specifiers those files import (`@azure/identity`, `@noble/curves/nist.js`), sorted. */
  packages: string[];
}

/**
 * What the entries load: files through relative imports, and the package specifiers along the
 * way. An import of a file that does not exist throws: the package would fail to start.
 */
export function importClosure(root: string, entries: readonly string[]): Closure {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const pending = entries.map((entry) => resolve(root, entry));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    if (!existsSync(file)) throw new Error(`${relative(root, file)} is imported but does not exist`);
    seen.add(file);
    if (!file.endsWith('.js') && !file.endsWith('.mjs')) continue;
    for (const specifier of moduleSpecifiers(readFileSync(file, 'utf8'))) {
      if (isRelative(specifier)) pending.push(resolve(dirname(file), specifier));
      else if (!isBuiltin(specifier)) packages.add(specifier);
    }
  }
  return { files: [...seen].map((file) => relative(root, file).split(sep).join('/')).sort(), packages: [...packages].sort() };
}

const KEEP = /^(licen[cs]e|notice|copying|authors|patents)/i;

/** Files in node_modules that Node never loads at run time. */
export function isPrunable(relativePath: string): boolean {
  const name = basename(relativePath);
  if (KEEP.test(name)) return false;
  return /\.d\.[cm]?ts$/.test(name) || /\.(js|mjs|cjs|css)\.map$/.test(name) || /\.d\.[cm]?ts\.map$/.test(name) || (/\.[cm]?ts$/.test(name) && !name.endsWith('.d.ts')) || /\.(md|markdown)$/i.test(name) || name.endsWith('.tsbuildinfo');
}

/** Files under `dir`, relative and `/`-separated, sorted; symlinks (node_modules/.bin) are skipped. */
export function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const info = lstatSync(path);
    if (info.isSymbolicLink()) continue;
    if (info.isDirectory()) files.push(...listFiles(path, rel));
    else if (info.isFile()) files.push(rel);
  }
  return files;
}

/** Where a packaged file's bytes are attributed in the report: dist/, a dependency, or the file itself. */
export function bucketOf(name: string): string {
  const parts = name.split('/');
  if (parts[0] !== 'node_modules') return parts.length > 1 ? `${parts[0]}/` : name;
  // The outermost package: node_modules/<name> or node_modules/@scope/<name> (nested copies count with their parent).
  return parts[1]?.startsWith('@') === true ? `${parts[1]}/${parts[2] ?? ''}` : (parts[1] ?? name);
}

function npmCommand(args: readonly string[]): { file: string; args: string[] } {
  const cli = process.env['npm_execpath'];
  return cli !== undefined && cli.endsWith('.js') ? { file: process.execPath, args: [cli, ...args] } : { file: 'npm', args: [...args] };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

interface Options {
  out: string;
  keepStaging: boolean;
  skipBuild: boolean;
}

function parseArgs(argv: readonly string[], root: string): Options {
  const options: Options = { out: join(root, 'dist', PACKAGE_NAME), keepStaging: false, skipBuild: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--out') {
      const value = argv[++i];
      if (value === undefined) throw new Error('--out needs a file');
      options.out = resolve(value);
    } else if (arg === '--keep-staging') options.keepStaging = true;
    else if (arg === '--skip-build') options.skipBuild = true;
    else throw new Error(`unknown option ${String(arg)} (--out <file>, --keep-staging, --skip-build)`);
  }
  return options;
}

function main(argv: readonly string[]): void {
  const root = repoRoot();
  const options = parseArgs(argv, root);
  const log = (line: string): void => void process.stdout.write(`${line}\n`);

  if (!options.skipBuild) {
    log('build: tsc -p tsconfig.json');
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  }

  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string; dependencies?: Record<string, string> };
  if (manifest.main !== 'dist/functions/*.js') throw new Error(`package.json main is ${String(manifest.main)}, not dist/functions/*.js: the staging below follows that glob`);
  const entries = readdirSync(join(root, 'dist', 'functions'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => `dist/functions/${f}`);
  if (entries.length === 0) throw new Error('dist/functions has no .js entries: did the build run?');
  const closure = importClosure(root, entries);
  const undeclared = closure.packages.filter((p) => !Object.keys(manifest.dependencies ?? {}).some((d) => p === d || p.startsWith(`${d}/`)));
  if (undeclared.length > 0) throw new Error(`imported but not production dependencies: ${undeclared.join(', ')}`);

  const staging = mkdtempSync(join(tmpdir(), 'hipaa-remediator-package-'));
  try {
    for (const file of [...closure.files, 'host.json', 'package.json', 'package-lock.json']) {
      mkdirSync(dirname(join(staging, file)), { recursive: true });
      copyFileSync(join(root, file), join(staging, file));
    }
    log(`staged: ${closure.files.length} files of dist/ imported from ${entries.length} entries, host.json, package.json, package-lock.json`);

    const npm = npmCommand(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']);
    log('dependencies: npm ci --omit=dev --ignore-scripts');
    execFileSync(npm.file, npm.args, { cwd: staging, stdio: 'inherit' });

    let pruned = 0;
    let prunedBytes = 0;
    const modules = join(staging, 'node_modules');
    if (existsSync(modules)) {
      for (const file of listFiles(modules)) {
        if (!isPrunable(file)) continue;
        const path = join(modules, file);
        prunedBytes += statSync(path).size;
        rmSync(path);
        pruned += 1;
      }
      rmSync(join(modules, '.bin'), { recursive: true, force: true });
    }
    log(`pruned: ${pruned} files Node never loads (${mb(prunedBytes)}: type declarations, source maps, TypeScript sources, docs)`);

    // Everything the host will import must resolve from the staged tree alone.
    const imports = [...entries.map((e) => pathToFileURL(join(staging, e)).href), ...closure.packages];
    const script = `for (const m of ${JSON.stringify(imports)}) { try { await import(m); } catch (e) { console.error('cannot import ' + m + ': ' + e.message); process.exit(1); } }`;
    // Outside a Functions host @azure/functions warns that it runs in test mode: shown only on failure.
    const check = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: staging, encoding: 'utf8', env: { ...process.env, AZURE_SUBSCRIPTION_ID: '' } });
    if (check.status !== 0) throw new Error(`the staged package does not load:\n${check.stderr}`);
    log(`checked: ${entries.length} entries and the ${closure.packages.length} package modules they import load from the staged tree`);

    const files = listFiles(staging);
    mkdirSync(dirname(options.out), { recursive: true });
    const summary = writeZip(options.out, files, (name) => {
      const path = join(staging, ...name.split('/'));
      return { data: readFileSync(path), mode: statSync(path).mode };
    });

    const buckets = new Map<string, number>();
    for (const [name, size] of summary.sizes) buckets.set(bucketOf(name), (buckets.get(bucketOf(name)) ?? 0) + size);
    const ranked = [...buckets.entries()].sort((a, b) => b[1] - a[1]);
    const dependencies = ranked.filter(([bucket]) => bucket !== 'dist/' && !/^(host|package|package-lock)\.json$/.test(bucket) && !bucket.startsWith('.'));
    log(`wrote ${posix.normalize(relative(root, options.out).split(sep).join('/'))}: ${mb(summary.bytes)}, ${summary.entries} files (target ${mb(TARGET_BYTES)})`);
    const entriesBytes = [...summary.sizes.values()].reduce((sum, size) => sum + size, 0);
    log(`  dist/: ${mb(buckets.get('dist/') ?? 0)}; ${dependencies.length} dependencies: ${mb(dependencies.reduce((sum, [, size]) => sum + size, 0))}; zip central directory: ${mb(summary.bytes - entriesBytes)}`);
    for (const [bucket, size] of ranked.slice(0, 12)) log(`  ${bucket.padEnd(40)} ${mb(size).padStart(10)}  ${((100 * size) / summary.bytes).toFixed(1)}%`);
    if (summary.bytes > TARGET_BYTES) log(`  over the target by ${mb(summary.bytes - TARGET_BYTES)}`);
    if (options.keepStaging) log(`staging kept: ${staging}`);
  } finally {
    if (!options.keepStaging) rmSync(staging, { recursive: true, force: true });
  }
}

// Run only as the script (the test imports the helpers above).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`package: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
