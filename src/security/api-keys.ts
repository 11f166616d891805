import { DomainError } from '../errors';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Clock } from '../time';
import type { Store, StoredApiKey } from '../store/store';
import type { ApiScope } from './scopes';

/**
 * API keys as data: created, listed, revoked and rotated through the admin API, stored hashed. A key reads
 * `cbk_<id>_<secret>`: the id finds its row, the secret (256 random bits) is checked against its SHA-256.
 * A fast hash is enough for a random secret of that size (slow hashes are for passwords people choose).
 * Every check reads the row, so a revocation written by one instance holds at once on every instance that
 * shares the store.
 */
const FORMAT = /^cbk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface NewApiKey {
  name: string;
  scopes: ApiScope[];
  /** CIDR blocks (or single addresses) the key may be used from; none: anywhere */
  allowedNetworks?: string[];
  /** requests per minute for this key; none: unlimited */
  rateLimitPerMinute?: number;
}

/** An API key operation refused: INVALID (bad input), NOT_FOUND, or CONFLICT (the key is revoked). */
export class ApiKeyError extends DomainError {
  constructor(message: string, parameter?: string, code: 'INVALID' | 'NOT_FOUND' | 'CONFLICT' = 'INVALID') {
    super(code, message, parameter);
    this.name = 'ApiKeyError';
  }
}

/** `10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`: a BlockList of them; throws ApiKeyError naming the bad one */
export function networksOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [addr = '', bits] = cidr.split('/');
    const type = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
    const prefix = bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits);
    if (!type || !Number.isInteger(prefix) || prefix < 0 || prefix > (type === 'ipv4' ? 32 : 128)) {
      throw new ApiKeyError(`allowedNetworks: "${cidr}" is not an address or CIDR block`, 'allowedNetworks');
    }
    list.addSubnet(addr, prefix, type);
  }
  return list;
}

/** does the client's address (as Fastify gives it; IPv4 may come mapped into IPv6) fall in the key's networks */
export function addressAllowed(networks: BlockList, address: string): boolean {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4) return networks.check(v4, 'ipv4');
  return isIPv6(address) ? networks.check(address, 'ipv6') : isIPv4(address) && networks.check(address, 'ipv4');
}

/** a key as the admin API shows it: never the secret nor its hash */
export interface ApiKeyView {
  id: string;
  name: string;
  scopes: ApiScope[];
  allowedNetworks: string[];
  rateLimitPerMinute: number | null;
  createdAt: string;
  createdBy: string;
  /** when it stopped (or stops, after a rotation's grace) working */
  revokedAt: string | null;
  revokedBy: string | null;
  /** the key that replaced it in a rotation */
  replacedBy: string | null;
  active: boolean;
}

export class ApiKeys {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** is the string shaped as one of our keys (then it is checked here, not against the config file) */
  static isDataKey(presented: string): boolean {
    return presented.startsWith('cbk_');
  }

  /** the id part of a presented key, to count failures per key without its secret */
  static idOf(presented: string): string | undefined {
    return FORMAT.exec(presented)?.[1];
  }

  async create(spec: NewApiKey, by: string): Promise<{ key: string; view: ApiKeyView }> {
    const name = spec.name.trim();
    if (!name) throw new ApiKeyError('name: must not be empty', 'name');
    if (spec.scopes.length === 0) throw new ApiKeyError('scopes: give at least one', 'scopes');
    networksOf(spec.allowedNetworks ?? []);
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row: StoredApiKey = {
      id,
      name,
      secretHash: sha256(secret),
      scopes: [...new Set(spec.scopes)],
      allowedNetworks: spec.allowedNetworks ?? [],
      rateLimitPerMinute: spec.rateLimitPerMinute ?? null,
      createdAt: this.clock.now(),
      createdBy: by,
      revokedAt: null,
      revokedBy: null,
      replacedBy: null,
    };
    await this.store.insertApiKey(row);
    return { key: `cbk_${id}_${secret}`, view: this.view(row) };
  }

  /** the key's row when the presented key is one of ours, right and not revoked */
  async verify(presented: string): Promise<StoredApiKey | undefined> {
    const m = FORMAT.exec(presented);
    if (!m) return undefined;
    const row = await this.store.getApiKey(m[1]!);
    if (!row || !this.activeAt(row, this.clock.now())) return undefined;
    const want = Buffer.from(row.secretHash, 'hex');
    const got = Buffer.from(sha256(m[2]!), 'hex');
    return want.length === got.length && timingSafeEqual(want, got) ? row : undefined;
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.store.listApiKeys()).map((k) => this.view(k));
  }

  async get(id: string): Promise<ApiKeyView> {
    const row = await this.store.getApiKey(id);
    if (!row) throw new ApiKeyError(`no API key "${id}"`, 'id', 'NOT_FOUND');
    return this.view(row);
  }

  /** stop the key now; returns the view before and after (for the audit log) */
  revoke(id: string, by: string): Promise<{ before: ApiKeyView; after: ApiKeyView }> {
    // checked and revoked in one transaction: of two revocations, one is refused
    return this.store.transaction(async () => {
      const before = await this.get(id);
      if (!before.active) throw new ApiKeyError(`API key "${id}" is already revoked`, 'id', 'CONFLICT');
      await this.store.revokeApiKey(id, this.clock.now(), by, null);
      return { before, after: await this.get(id) };
    });
  }

  /**
   * a new key with the same name, scopes, networks and limit; the old one stops after `graceSec` (0: now),
   * so its clients can switch over without an outage
   */
  rotate(id: string, by: string, graceSec = 0): Promise<{ key: string; view: ApiKeyView; old: ApiKeyView }> {
    return this.store.transaction(async () => {
      const old = await this.get(id);
      if (!old.active) throw new ApiKeyError(`API key "${id}" is revoked: create a new one`, 'id', 'CONFLICT');
      const created = await this.create({ name: old.name, scopes: old.scopes, allowedNetworks: old.allowedNetworks, rateLimitPerMinute: old.rateLimitPerMinute ?? undefined }, by);
      await this.store.revokeApiKey(id, this.clock.now() + graceSec * 1000, by, created.view.id);
      return { ...created, old: await this.get(id) };
    });
  }

  private activeAt(row: StoredApiKey, now: number): boolean {
    return row.revokedAt === null || row.revokedAt > now;
  }

  private view(k: StoredApiKey): ApiKeyView {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      id: k.id,
      name: k.name,
      scopes: k.scopes,
      allowedNetworks: k.allowedNetworks,
      rateLimitPerMinute: k.rateLimitPerMinute,
      createdAt: new Date(k.createdAt).toISOString(),
      createdBy: k.createdBy,
      revokedAt: iso(k.revokedAt),
      revokedBy: k.revokedBy,
      replacedBy: k.replacedBy,
      active: this.activeAt(k, this.clock.now()),
    };
  }
}
