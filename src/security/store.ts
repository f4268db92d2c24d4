// ACLs and SCRAM credentials, behind one of two backends. Single-node mode keeps them in
// `security.json` in the data directory, replaced atomically on every change (write, fsync, rename),
// like the topic metadata. Cluster mode keeps them in the cluster metadata (etcd), as Kafka keeps
// them in its metadata log: a binding or credential created through any broker holds on every
// broker, each of which reads them from its watched image; writes there are asynchronous. SCRAM
// credentials are kept as salt, StoredKey, ServerKey and iterations: never a password or a salted
// password.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterMetadataClient, ClusterScramCredential } from '../cluster/types.js';
import { writeFileAtomicSync } from '../storage/file-io.js';
import { sameBinding, type AclBinding } from './acl.js';
import type { ScramCredential, ScramMechanism } from './scram.js';

export const SECURITY_FILE = 'security.json';

/** A credential as stored: base64 salt, StoredKey and ServerKey, and the iterations. */
export type StoredCredential = ClusterScramCredential;

type ScramTable = ReadonlyMap<string, ReadonlyMap<string, StoredCredential>>;

export interface StoredUpsert {
  user: string;
  mechanism: ScramMechanism;
  credential: StoredCredential;
}

export interface ScramDeletion {
  user: string;
  mechanism: ScramMechanism;
}

/** Where the bindings and credentials live. Writes return a promise when they are asynchronous. */
export interface SecurityBackend {
  /** Bumped on every ACL change (the authorizer's cache key). */
  readonly aclVersion: number;
  acls(): readonly AclBinding[];
  /** Credentials by user, then by mechanism. */
  scram(): ScramTable;
  /** Adds bindings (an existing identical binding is kept once). */
  addAcls(bindings: AclBinding[]): void | Promise<void>;
  /** Removes what each selector picks (a binding goes to the first that picks it); per selector, the removed. */
  removeAcls(selectors: ((b: AclBinding) => boolean)[]): AclBinding[][] | Promise<AclBinding[][]>;
  /** Applies SCRAM upserts and deletions together. */
  alterScram(upserts: StoredUpsert[], deletions: ScramDeletion[]): void | Promise<void>;
}

/** What the cluster backend needs of the cluster metadata client. */
export type ClusterSecurity = Pick<
  ClusterMetadataClient,
  'acls' | 'createAcls' | 'deleteAcls' | 'scramCredentials' | 'alterScramCredentials' | 'onChange'
>;

interface FileFormat {
  version: 1;
  acls: AclBinding[];
  scram: Record<string, Partial<Record<ScramMechanism, StoredCredential>>>;
}

/** Single-node mode: `security.json` in the data directory. */
class FileBackend implements SecurityBackend {
  aclVersion = 0;
  private bindings: AclBinding[] = [];
  private credentials: FileFormat['scram'] = {};
  private table: ScramTable | null = null;

  constructor(readonly path: string) {
    if (existsSync(path)) {
      const doc = JSON.parse(readFileSync(path, 'utf8')) as FileFormat;
      if (doc.version !== 1) throw new Error(`${path}: unsupported version ${String(doc.version)}`);
      this.bindings = doc.acls ?? [];
      this.credentials = doc.scram ?? {};
    }
  }

  acls(): readonly AclBinding[] {
    return this.bindings;
  }

  scram(): ScramTable {
    this.table ??= new Map(
      Object.entries(this.credentials).map(([user, byMech]) => [
        user,
        new Map(Object.entries(byMech) as [string, StoredCredential][]),
      ]),
    );
    return this.table;
  }

  addAcls(bindings: AclBinding[]): void {
    const next = [...this.bindings];
    for (const b of bindings) if (!next.some((x) => sameBinding(x, b))) next.push({ ...b });
    this.commit(next, this.credentials);
  }

  removeAcls(selectors: ((b: AclBinding) => boolean)[]): AclBinding[][] {
    let remaining = this.bindings;
    const removed = selectors.map((select) => {
      const picked = remaining.filter(select);
      if (picked.length > 0) remaining = remaining.filter((b) => !select(b));
      return picked;
    });
    if (remaining !== this.bindings) this.commit(remaining, this.credentials);
    return removed;
  }

  alterScram(upserts: StoredUpsert[], deletions: ScramDeletion[]): void {
    const next: FileFormat['scram'] = structuredClone(this.credentials);
    for (const d of deletions) {
      if (Object.hasOwn(next, d.user)) {
        delete next[d.user]![d.mechanism];
        if (Object.keys(next[d.user]!).length === 0) delete next[d.user];
      }
    }
    for (const u of upserts) {
      const byMech = Object.hasOwn(next, u.user) ? next[u.user]! : (next[u.user] = {});
      byMech[u.mechanism] = { ...u.credential };
    }
    this.commit(this.bindings, next);
  }

  private commit(acls: AclBinding[], scram: FileFormat['scram']): void {
    const doc: FileFormat = { version: 1, acls, scram };
    writeFileAtomicSync(this.path, JSON.stringify(doc, null, 2) + '\n');
    if (acls !== this.bindings) this.aclVersion++;
    if (scram !== this.credentials) this.table = null;
    this.bindings = acls;
    this.credentials = scram;
  }
}

/** Cluster mode: the cluster metadata, read from this broker's watched image. */
class ClusterBackend implements SecurityBackend {
  aclVersion = 0;

  constructor(private readonly cluster: ClusterSecurity) {
    // A change made through any broker reaches this one by the watch; a reset may have changed any.
    cluster.onChange((change) => {
      if (change.kind === 'acls' || change.kind === 'reset') this.aclVersion++;
    });
  }

  acls(): readonly AclBinding[] {
    return this.cluster.acls();
  }

  scram(): ScramTable {
    return this.cluster.scramCredentials();
  }

  addAcls(bindings: AclBinding[]): Promise<void> {
    return this.cluster.createAcls(bindings);
  }

  removeAcls(selectors: ((b: AclBinding) => boolean)[]): Promise<AclBinding[][]> {
    return this.cluster.deleteAcls(selectors);
  }

  alterScram(upserts: StoredUpsert[], deletions: ScramDeletion[]): Promise<void> {
    return this.cluster.alterScramCredentials(upserts, deletions);
  }
}

export class SecurityStore {
  private constructor(private readonly backend: SecurityBackend) {}

  /** Single-node mode: the store in the data directory. */
  static open(dataDir: string): SecurityStore {
    return new SecurityStore(new FileBackend(join(dataDir, SECURITY_FILE)));
  }

  /** Cluster mode: the store every broker of the cluster shares. */
  static inCluster(cluster: ClusterSecurity): SecurityStore {
    return new SecurityStore(new ClusterBackend(cluster));
  }

  /** Bumped on every ACL change (the authorizer's cache key). */
  get aclVersion(): number {
    return this.backend.aclVersion;
  }

  /** Every SCRAM credential as stored (salt, StoredKey, ServerKey, iterations), to copy elsewhere. */
  storedCredentials(): StoredUpsert[] {
    const out: StoredUpsert[] = [];
    for (const [user, byMech] of this.backend.scram()) {
      for (const [mechanism, credential] of byMech) {
        out.push({ user, mechanism: mechanism as ScramMechanism, credential });
      }
    }
    return out;
  }

  allAcls(): readonly AclBinding[] {
    return this.backend.acls();
  }

  /** Adds bindings (an existing identical binding is kept once); a promise in cluster mode. */
  addAcls(bindings: AclBinding[]): void | Promise<void> {
    return this.backend.addAcls(bindings);
  }

  /**
   * Removes the bindings each selector picks, a binding going to the first selector that picks it;
   * returns the removed per selector (a promise in cluster mode).
   */
  removeAcls(selectors: ((b: AclBinding) => boolean)[]): AclBinding[][] | Promise<AclBinding[][]> {
    return this.backend.removeAcls(selectors);
  }

  scramCredential(mechanism: ScramMechanism, user: string): ScramCredential | undefined {
    const c = this.backend.scram().get(user)?.get(mechanism);
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
    for (const [user, byMech] of this.backend.scram()) {
      const infos = [...byMech].map(([m, c]) => ({
        mechanism: m as ScramMechanism,
        iterations: c.iterations,
      }));
      if (infos.length > 0) out.set(user, infos);
    }
    return out;
  }

  /** Applies SCRAM upsertions and deletions together (one write; a promise in cluster mode). */
  alterScram(
    upserts: { user: string; mechanism: ScramMechanism; credential: ScramCredential }[],
    deletions: ScramDeletion[],
  ): void | Promise<void> {
    return this.backend.alterScram(
      upserts.map((u) => ({
        user: u.user,
        mechanism: u.mechanism,
        credential: {
          salt: u.credential.salt.toString('base64'),
          storedKey: u.credential.storedKey.toString('base64'),
          serverKey: u.credential.serverKey.toString('base64'),
          iterations: u.credential.iterations,
        },
      })),
      deletions,
    );
  }
}
