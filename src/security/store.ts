// ACLs and SCRAM credentials, persisted in `security.json` in the data directory and replaced
// atomically on every change (write, fsync, rename), like the topic metadata. SCRAM credentials are
// kept as salt, StoredKey, ServerKey and iterations: never a password or a salted password.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../storage/file-io.js';
import { sameBinding, type AclBinding } from './acl.js';
import type { ScramCredential, ScramMechanism } from './scram.js';

export const SECURITY_FILE = 'security.json';

interface StoredCredential {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

interface FileFormat {
  version: 1;
  acls: AclBinding[];
  scram: Record<string, Partial<Record<ScramMechanism, StoredCredential>>>;
}

export class SecurityStore {
  private acls: AclBinding[] = [];
  private scram: FileFormat['scram'] = {};
  /** Bumped on every ACL change (the authorizer's cache key). */
  aclVersion = 0;

  private constructor(readonly path: string) {}

  static open(dataDir: string): SecurityStore {
    const store = new SecurityStore(join(dataDir, SECURITY_FILE));
    if (existsSync(store.path)) {
      const doc = JSON.parse(readFileSync(store.path, 'utf8')) as FileFormat;
      if (doc.version !== 1) throw new Error(`${store.path}: unsupported version ${String(doc.version)}`);
      store.acls = doc.acls ?? [];
      store.scram = doc.scram ?? {};
    }
    return store;
  }

  allAcls(): readonly AclBinding[] {
    return this.acls;
  }

  /** Adds bindings (an existing identical binding is kept once). */
  addAcls(bindings: AclBinding[]): void {
    const next = [...this.acls];
    for (const b of bindings) if (!next.some((x) => sameBinding(x, b))) next.push({ ...b });
    this.commit(next, this.scram);
  }

  /** Removes the bindings `remove` selects; returns them. */
  removeAcls(remove: (b: AclBinding) => boolean): AclBinding[] {
    const removed = this.acls.filter(remove);
    if (removed.length > 0)
      this.commit(
        this.acls.filter((b) => !remove(b)),
        this.scram,
      );
    return removed;
  }

  scramCredential(mechanism: ScramMechanism, user: string): ScramCredential | undefined {
    const c = Object.hasOwn(this.scram, user) ? this.scram[user]![mechanism] : undefined;
    if (!c) return undefined;
    return {
      salt: Buffer.from(c.salt, 'base64'),
      storedKey: Buffer.from(c.storedKey, 'base64'),
      serverKey: Buffer.from(c.serverKey, 'base64'),
      iterations: c.iterations,
    };
  }

  /** Users with SCRAM credentials and the mechanisms and iterations of each. */
  scramUsers(): Map<string, { mechanism: ScramMechanism; iterations: number }[]> {
    const out = new Map<string, { mechanism: ScramMechanism; iterations: number }[]>();
    for (const [user, byMech] of Object.entries(this.scram)) {
      const infos = Object.entries(byMech).map(([m, c]) => ({
        mechanism: m as ScramMechanism,
        iterations: c.iterations,
      }));
      if (infos.length > 0) out.set(user, infos);
    }
    return out;
  }

  /** Applies SCRAM upsertions and deletions together (one write). */
  alterScram(
    upserts: { user: string; mechanism: ScramMechanism; credential: ScramCredential }[],
    deletions: { user: string; mechanism: ScramMechanism }[],
  ): void {
    const next: FileFormat['scram'] = structuredClone(this.scram);
    for (const d of deletions) {
      if (Object.hasOwn(next, d.user)) {
        delete next[d.user]![d.mechanism];
        if (Object.keys(next[d.user]!).length === 0) delete next[d.user];
      }
    }
    for (const u of upserts) {
      const byMech = Object.hasOwn(next, u.user) ? next[u.user]! : (next[u.user] = {});
      byMech[u.mechanism] = {
        salt: u.credential.salt.toString('base64'),
        storedKey: u.credential.storedKey.toString('base64'),
        serverKey: u.credential.serverKey.toString('base64'),
        iterations: u.credential.iterations,
      };
    }
    this.commit(this.acls, next);
  }

  private commit(acls: AclBinding[], scram: FileFormat['scram']): void {
    const doc: FileFormat = { version: 1, acls, scram };
    writeFileAtomicSync(this.path, JSON.stringify(doc, null, 2) + '\n');
    if (acls !== this.acls) this.aclVersion++;
    this.acls = acls;
    this.scram = scram;
  }
}
