// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) with node:crypto: the stored credential
// (salt, StoredKey, ServerKey, iterations; never the password), the server side of the exchange and
// the client computations the admin commands and tests need. Unknown users run the same exchange
// against a fake credential derived from a per-process secret, so the answer never tells whether a
// user exists.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
/** The mechanism numbers of Describe/AlterUserScramCredentials. */
export const SCRAM_MECHANISM_CODES: ReadonlyMap<number, ScramMechanism> = new Map([
  [1, 'SCRAM-SHA-256'],
  [2, 'SCRAM-SHA-512'],
]);
export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 16384;

export function scramCode(m: ScramMechanism): number {
  return m === 'SCRAM-SHA-256' ? 1 : 2;
}

function hashName(m: ScramMechanism): 'sha256' | 'sha512' {
  return m === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
}

function keyLength(m: ScramMechanism): number {
  return m === 'SCRAM-SHA-256' ? 32 : 64;
}

export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

const hmac = (m: ScramMechanism, key: Buffer, data: string | Buffer): Buffer =>
  createHmac(hashName(m), key).update(data).digest();
const hash = (m: ScramMechanism, data: Buffer): Buffer => createHash(hashName(m)).update(data).digest();

export function saltedPassword(
  m: ScramMechanism,
  password: string,
  salt: Buffer,
  iterations: number,
): Buffer {
  return pbkdf2Sync(
    Buffer.from(password.normalize('NFKC'), 'utf8'),
    salt,
    iterations,
    keyLength(m),
    hashName(m),
  );
}

/** The stored credential from a salted password (what AlterUserScramCredentials carries). */
export function credentialFromSalted(
  m: ScramMechanism,
  salted: Buffer,
  salt: Buffer,
  iterations: number,
): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key');
  return { salt, storedKey: hash(m, clientKey), serverKey: hmac(m, salted, 'Server Key'), iterations };
}

export function credentialFromPassword(
  m: ScramMechanism,
  password: string,
  iterations = MIN_ITERATIONS,
  salt = randomBytes(32),
): ScramCredential {
  return credentialFromSalted(m, saltedPassword(m, password, salt, iterations), salt, iterations);
}

export class ScramError extends Error {
  override name = 'ScramError';
}

/** `=2C` and `=3D` in a SCRAM user name (RFC 5802 5.1). */
function decodeSaslName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new ScramError('invalid user name encoding');
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function attributes(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m) throw new ScramError('malformed SCRAM attribute');
    if (!out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const fakeSecret = randomBytes(32);

/**
 * The server side of one SCRAM exchange: client-first in, server-first out; client-final in,
 * server-final out (or a ScramError: authentication failed).
 */
export class ScramServer {
  private stage: 'first' | 'final' | 'done' = 'first';
  private user = '';
  private credential: ScramCredential | null = null;
  private fake = false;
  private nonce = '';
  private clientNonce = '';
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirst = '';

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly lookup: (user: string) => ScramCredential | undefined,
  ) {}

  get userName(): string {
    return this.user;
  }

  /** Returns the next server message; `done` once the client is verified. */
  step(token: Buffer): { token: Buffer; done: boolean } {
    const text = token.toString('utf8');
    if (this.stage === 'first') return { token: Buffer.from(this.first(text)), done: false };
    if (this.stage === 'final') return { token: Buffer.from(this.final(text)), done: true };
    throw new ScramError('SCRAM exchange already finished');
  }

  private first(msg: string): string {
    // gs2-header: "n," / "y," (no channel binding) then an optional "a=authzid", then ","
    const m = /^([ny]),(a=[^,]*)?,(n=[^,]*,r=[^,]*(?:,.*)?)$/s.exec(msg);
    if (!m) throw new ScramError('malformed SCRAM client-first message');
    this.gs2Header = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = m[3]!;
    const attrs = attributes(this.clientFirstBare);
    const user = decodeSaslName(attrs.get('n') ?? '');
    const clientNonce = attrs.get('r') ?? '';
    this.clientNonce = clientNonce;
    if (user === '' || !PRINTABLE.test(clientNonce))
      throw new ScramError('malformed SCRAM client-first message');
    if (m[2] && decodeSaslName(m[2].slice(2)) !== user)
      throw new ScramError('authorization id differs from user');
    this.user = user;
    const credential = this.lookup(user);
    if (credential) {
      this.credential = credential;
    } else {
      // Same shape of answer as for a real user; the final step fails.
      this.fake = true;
      const salt = createHmac('sha256', fakeSecret).update(`${this.mechanism}:${user}`).digest();
      this.credential = {
        salt,
        storedKey: Buffer.alloc(0),
        serverKey: Buffer.alloc(0),
        iterations: MIN_ITERATIONS,
      };
    }
    this.nonce = clientNonce + randomBytes(18).toString('hex');
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt.toString('base64')},i=${this.credential.iterations}`;
    this.stage = 'final';
    return this.serverFirst;
  }

  private final(msg: string): string {
    this.stage = 'done';
    const proofAt = msg.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('malformed SCRAM client-final message');
    const withoutProof = msg.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (attrs.get('c') !== Buffer.from(this.gs2Header).toString('base64')) {
      throw new ScramError('channel binding mismatch');
    }
    // librdkafka 2.0 echoes the client nonce once more in front of the combined nonce; accept that
    // form too (the proof covers the message exactly as sent, so nothing is weakened).
    const r = attrs.get('r');
    if (r !== this.nonce && r !== this.clientNonce + this.nonce) throw new ScramError('nonce mismatch');
    const proof = Buffer.from(msg.slice(proofAt + 3), 'base64');
    const cred = this.credential!;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    if (this.fake || proof.length !== cred.storedKey.length) throw new ScramError('invalid credentials');
    const clientSignature = hmac(this.mechanism, cred.storedKey, authMessage);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(hash(this.mechanism, clientKey), cred.storedKey)) {
      throw new ScramError('invalid credentials');
    }
    return `v=${hmac(this.mechanism, cred.serverKey, authMessage).toString('base64')}`;
  }
}

/** The client side (admin commands over SASL, tests). */
export class ScramClient {
  private readonly clientNonce = randomBytes(18).toString('base64');
  private clientFirstBare = '';
  private serverSignature: Buffer | null = null;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly user: string,
    private readonly password: string,
  ) {}

  first(): Buffer {
    const name = this.user.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.clientFirstBare = `n=${name},r=${this.clientNonce}`;
    return Buffer.from(`n,,${this.clientFirstBare}`);
  }

  final(serverFirst: Buffer): Buffer {
    const sf = serverFirst.toString('utf8');
    const attrs = attributes(sf);
    const nonce = attrs.get('r') ?? '';
    const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
    const iterations = Number(attrs.get('i'));
    if (!nonce.startsWith(this.clientNonce) || !(iterations >= 1))
      throw new ScramError('bad server-first message');
    const salted = saltedPassword(this.mechanism, this.password, salt, iterations);
    const clientKey = hmac(this.mechanism, salted, 'Client Key');
    const withoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${sf},${withoutProof}`;
    const signature = hmac(this.mechanism, hash(this.mechanism, clientKey), authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.serverSignature = hmac(this.mechanism, hmac(this.mechanism, salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** Checks the server-final message (the server knows the password too). */
  verify(serverFinal: Buffer): void {
    const v = attributes(serverFinal.toString('utf8')).get('v');
    const got = Buffer.from(v ?? '', 'base64');
    if (
      !this.serverSignature ||
      got.length !== this.serverSignature.length ||
      !timingSafeEqual(got, this.serverSignature)
    ) {
      throw new ScramError('the server signature does not match');
    }
  }
}
