import type { Logger } from 'pino';
import type { InteractionRecord, InteractionRecorder } from '../ports/callbacks';
import type { Store } from '../store/store';

/**
 * Records every inbound (originating) interaction with its outcome, so reports tell callbacks from
 * abandons; attached data (e.g. the _CB_* keys a callback request put there) is merged, never lost.
 */
export class StoreInteractionRecorder implements InteractionRecorder {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  async record(interaction: InteractionRecord): Promise<void> {
    await this.store.recordInteraction(interaction);
    // the call flow logs the event with the call's context (one line per event); this is the store's echo
    this.logger.debug(
      { interactionId: interaction.interactionId, callId: interaction.callId, outcome: interaction.outcome, callbackId: interaction.attached._CB_SERVICE_ID },
      'interaction recorded',
    );
  }
}
