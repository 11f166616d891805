import type { ListenInResult, ListeningLeg, LiveCall, SupervisionMode, SupervisionPorts } from '../../../src/supervision/supervision';

/** a supervisor's phone on a call: records the modes it is switched to; `end()` is the far end hanging up */
export class FakeListeningLeg implements ListeningLeg {
  private readonly ctl = new AbortController();
  readonly signal = this.ctl.signal;
  readonly modes: SupervisionMode[] = [];
  hungUp = false;
  async setMode(mode: SupervisionMode): Promise<void> {
    this.modes.push(mode);
  }
  async hangup(): Promise<void> {
    this.hungUp = true;
    this.ctl.abort();
  }
  end(): void {
    this.ctl.abort();
  }
}

/** telephony and the supervisors' phones, in memory */
export class FakeSupervisionPorts implements SupervisionPorts {
  supervisors = new Map<string, string | undefined>([['sam', 'sip:sam@browser.invalid;transport=ws']]);
  calls: LiveCall[] = [{ agentId: 'alice', callId: 'agent-call-1', customerCallId: 'customer-call-1', since: 1_000 }];
  legs: FakeListeningLeg[] = [];
  requests: { supervisorUri: string; call: LiveCall; mode: SupervisionMode }[] = [];
  /** the next listenIn's answer; undefined = the phone answers */
  next?: ListenInResult | Promise<ListenInResult>;

  isSupervisor(id: string): boolean {
    return this.supervisors.has(id);
  }
  phoneOf(id: string): string | undefined {
    return this.supervisors.get(id);
  }
  liveCalls(): LiveCall[] {
    return this.calls;
  }
  async listenIn(req: { supervisorUri: string; call: LiveCall; mode: SupervisionMode }): Promise<ListenInResult> {
    this.requests.push({ supervisorUri: req.supervisorUri, call: req.call, mode: req.mode });
    if (this.next) {
      const r = this.next;
      this.next = undefined;
      return r;
    }
    const leg = new FakeListeningLeg();
    this.legs.push(leg);
    return { kind: 'listening', leg };
  }
}
