import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store';
import { systemClock, type Clock } from '../time';

/** What agent sign-in needs from the agent directory (the queue). */
export interface AgentCredentials {
  /** the agent's softphone password, or undefined if the agent has none (cannot sign in) */
  passwordOf(agentId: string): string | undefined;
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** a token is kept as its SHA-256: the store never holds one that works */
const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Agents sign in to their page with the same id and password their softphone registers with, and get a
 * bearer token that only opens their own self-service routes (/api/v1/agent/...). Sessions live in the store
 * for `ttlMs` (by the token's SHA-256): every instance on the database knows them, and a restart keeps them;
 * an agent (or an admin) can end all of an agent's sessions at once. The page keeps its token in
 * sessionStorage: no cookie is set.
 */
export class AgentSessions {
  constructor(
    private readonly credentials: AgentCredentials,
    private readonly store: Pick<Store, 'insertAgentSession' | 'agentOfSession' | 'deleteAgentSession' | 'deleteAgentSessions'>,
    private readonly ttlMs = 12 * 3600_000,
    private readonly clock: Clock = systemClock,
  ) {}

  async signIn(agentId: string, password: string): Promise<string | undefined> {
    const expected = this.credentials.passwordOf(agentId);
    if (expected === undefined || !same(expected, password)) return undefined;
    const token = randomBytes(24).toString('base64url');
    const now = this.clock.now();
    await this.store.insertAgentSession({ tokenHash: hashOf(token), agentId, expiresAt: now + this.ttlMs }, now);
    return token;
  }

  agentFor(token: string): Promise<string | undefined> {
    return this.store.agentOfSession(hashOf(token), this.clock.now());
  }

  signOut(token: string): Promise<void> {
    return this.store.deleteAgentSession(hashOf(token));
  }

  /** end every session of the agent (a lost laptop, a shared screen): how many there were */
  signOutEverywhere(agentId: string): Promise<number> {
    return this.store.deleteAgentSessions(agentId, this.clock.now());
  }
}
