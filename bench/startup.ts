/** Cold start (importing the Functions entries in a fresh process) and the production package size. */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { median } from './http.js';

export function coldStartMs(repoRoot: string, runs: number): number {
  const entries = ['onResourceChange', 'admin', 'sweep'].map((f) => JSON.stringify(join(repoRoot, 'dist', 'functions', `${f}.js`)));
  const script = `const t = performance.now(); await Promise.all([${entries.map((e) => `import(${e})`).join(', ')}]); process.stdout.write(String(performance.now() - t));`;
  const samples = Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
  return +median(samples).toFixed(1);
}

function sizeOf(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

/** dist/ plus every production dependency (npm ls --omit=dev), nested copies counted once. */
export function productionPackageMb(repoRoot: string): { distMb: number; dependenciesMb: number } {
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .map((p) => p.trim())
    .filter((p) => p.length > 0 && resolve(p) !== resolve(repoRoot));
  const unique = [...new Set(listed)].sort();
  // A nested package lives inside its parent's folder, which is already counted.
  const roots = unique.filter((p, i) => !unique.slice(0, i).some((q) => p.startsWith(`${q}/`)));
  const dependencies = roots.reduce((sum, p) => sum + sizeOf(p), 0);
  return { distMb: +(sizeOf(join(repoRoot, 'dist')) / 1048576).toFixed(1), dependenciesMb: +(dependencies / 1048576).toFixed(1) };
}
