import { randomBytes, timingSafeEqual } from 'node:crypto';
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

/**
 * Agents sign in to their page with the same id and password their softphone registers with, and get a
 * bearer token that only opens their own self-service routes (/api/v1/agent/...). Tokens live in memory
 * for `ttlMs` (a restart signs agents out, as it makes them NOT_READY anyway); an agent (or an admin) can end
 * all of an agent's sessions at once. The page keeps its token in sessionStorage: no cookie is set.
 */
export class AgentSessions {
  private readonly tokens = new Map<string, { agentId: string; expiresAt: number }>();

  constructor(
    private readonly credentials: AgentCredentials,
    private readonly ttlMs = 12 * 3600_000,
    private readonly clock: Clock = systemClock,
  ) {}

  signIn(agentId: string, password: string): string | undefined {
    const expected = this.credentials.passwordOf(agentId);
    if (expected === undefined || !same(expected, password)) return undefined;
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { agentId, expiresAt: this.clock.now() + this.ttlMs });
    return token;
  }

  agentFor(token: string): string | undefined {
    const s = this.tokens.get(token);
    if (!s) return undefined;
    if (s.expiresAt <= this.clock.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return s.agentId;
  }

  signOut(token: string): void {
    this.tokens.delete(token);
  }

  /** end every session of the agent (a lost laptop, a shared screen): how many there were */
  signOutEverywhere(agentId: string): number {
    let n = 0;
    for (const [token, s] of this.tokens) {
      if (s.agentId === agentId) {
        this.tokens.delete(token);
        n++;
      }
    }
    return n;
  }
}
