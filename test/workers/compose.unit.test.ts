/**
 * docker-compose.yml parses as YAML (merge keys on) and starts PostgreSQL, KurrentDB and two
 * Orchestral workers on the PostgreSQL store, built from the repository's Dockerfile (node:20,
 * npm ci, the CLI as entrypoint). No Docker runs here: this checks the files, not the images.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
}

describe('docker-compose.yml and Dockerfile', () => {
  it('define postgres, kurrentdb and two workers built from the Dockerfile', () => {
    const doc = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
    expect(Object.keys(doc.services).sort()).toEqual(['kurrentdb', 'postgres', 'worker-1', 'worker-2']);
    for (const id of ['worker-1', 'worker-2']) {
      const w = doc.services[id]!;
      expect(w.build).toBe('.');
      expect(w.command?.slice(0, 3)).toEqual(['worker', '--id', id]);
      expect(w.environment?.['ORCHESTRAL_STORE']).toMatch(/^postgresql:\/\/[^@]+@postgres:5432\//);
      expect(Object.keys(w.depends_on ?? {})).toEqual(['postgres']);
    }
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/orchestral\.js"\]$/m);
  });
});
