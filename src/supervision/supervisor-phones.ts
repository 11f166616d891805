import type { Clock } from '../time';

export interface SupervisorConfig {
  id: string;
  name: string;
  /** the softphone's SIP digest password (the supervisor page signs its phone in with it) */
  password: string;
}

/**
 * The configured supervisors and where their softphones registered. The registrar hands a REGISTER whose
 * user is a supervisor here instead of to the queue: a supervisor is never offered calls, only rung to
 * listen in. A registration lapses by itself at its expiry.
 */
export class SupervisorPhones {
  private readonly byId: Map<string, SupervisorConfig>;
  private readonly contacts = new Map<string, { uri: string; expiresAt: number }>();

  constructor(
    supervisors: readonly SupervisorConfig[],
    private readonly clock: Clock,
  ) {
    this.byId = new Map(supervisors.map((s) => [s.id, s]));
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  passwordOf(id: string): string | undefined {
    return this.byId.get(id)?.password;
  }

  list(): { id: string; name: string; registered: boolean }[] {
    return [...this.byId.values()].map((s) => ({ id: s.id, name: s.name, registered: this.contactOf(s.id) !== undefined }));
  }

  setRegistration(id: string, contactUri: string, expiresAtMs: number): void {
    if (!this.byId.has(id)) throw new Error(`unknown supervisor ${id}`);
    this.contacts.set(id, { uri: contactUri, expiresAt: expiresAtMs });
  }

  clearRegistration(id: string): void {
    this.contacts.delete(id);
  }

  contactOf(id: string): string | undefined {
    const c = this.contacts.get(id);
    if (!c) return undefined;
    if (c.expiresAt <= this.clock.now()) {
      this.contacts.delete(id);
      return undefined;
    }
    return c.uri;
  }
}
