import { DomainError } from '../errors';
import type { Store, StoredService } from '../store/store';
import { BusinessHours } from './business-hours';
import { OptionError, toSettings, validateOptions, type ServiceSettings } from './service-options';
import { isTemplateName, TEMPLATE_DISPLAY_NAMES, TEMPLATE_NAMES, templateIdOf, TEMPLATES } from './templates';

/** A configured service, ready to use: stored definition + effective settings. */
export interface ConfiguredService {
  name: string;
  template: string;
  /** the options set on the service itself (GMS names), without template defaults */
  options: Record<string, unknown>;
  /** template defaults merged with the service's options (GMS names) */
  effectiveOptions: Record<string, unknown>;
  settings: ServiceSettings;
  businessHours: BusinessHours;
}

/** A service definition refused (always INVALID), naming the bad key. */
export class ServiceDefinitionError extends DomainError {
  declare readonly parameter: string;
  constructor(parameter: string, message: string) {
    super('INVALID', message, parameter);
    this.name = 'ServiceDefinitionError';
  }
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Configured services, stored durably and cached. Changes made through `put`/`delete` take effect at once
 * for new requests and for the scheduler's next decision.
 */
/** a service created, changed or deleted (for the admin page's live list) */
export interface ServiceChange {
  type: 'PUT' | 'DELETED';
  name: string;
  at: number;
}

export class ServiceRegistry {
  private readonly cache = new Map<string, ConfiguredService>();
  private readonly listeners = new Set<(change: ServiceChange) => void>();

  /**
   * @param targets the queue's configured targets: a service's `_target` must be one of them (none
   *   configured: any target, unpaced). A `$token$` target is checked per request, once resolved.
   */
  private constructor(
    private readonly store: Store,
    private readonly targets: readonly string[] = [],
  ) {}

  /** the registry over the services stored now */
  static async open(store: Store, targets: readonly string[] = []): Promise<ServiceRegistry> {
    const registry = new ServiceRegistry(store, targets);
    for (const s of await store.listServices()) registry.cache.set(s.name, resolve(s));
    return registry;
  }

  /** may callbacks be routed to this target? (always, when no targets are configured) */
  isKnownTarget(target: string): boolean {
    return this.targets.length === 0 || this.targets.includes(target);
  }

  /** the refusal for an unknown target, naming the option */
  unknownTargetMessage(target: string): string {
    return `_target: "${target}" is not a configured target (targets: ${this.targets.join(', ')})`;
  }

  /** hear every change once it is stored; returns the unsubscribe */
  onChange(listener: (change: ServiceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(change: ServiceChange): void {
    for (const l of this.listeners) l(change);
  }

  list(): ConfiguredService[] {
    return [...this.cache.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): ConfiguredService | undefined {
    return this.cache.get(name);
  }

  /** validate and store (create or replace); throws ServiceDefinitionError naming the bad key */
  /** `alsoInTransaction` (an audit entry) is written with the change; the registry changes only once both committed */
  async put(name: string, template: string, options: Record<string, unknown>, now: number, alsoInTransaction?: (resolved: ConfiguredService) => Promise<void>): Promise<ConfiguredService> {
    const valid = this.validate(name, template, options);
    const resolved = await this.store.transaction(async () => {
      const existing = await this.store.getService(name);
      const stored: StoredService = { name, ...valid, createdAt: existing?.createdAt ?? now, updatedAt: now };
      const resolved = resolve(stored);
      await this.store.putService(stored);
      await alsoInTransaction?.(resolved);
      return resolved;
    });
    this.cache.set(name, resolved);
    this.changed({ type: 'PUT', name, at: now });
    return resolved;
  }

  /** create only when absent (config-file services seed the store; admin changes then win) */
  async seed(name: string, template: string, options: Record<string, unknown>, now: number): Promise<boolean> {
    if (this.cache.has(name)) return false;
    await this.put(name, template, options, now);
    return true;
  }

  async delete(name: string, now = Date.now(), alsoInTransaction?: () => Promise<void>): Promise<boolean> {
    const existed = await this.store.transaction(async () => {
      const existed = await this.store.deleteService(name);
      await alsoInTransaction?.();
      return existed;
    });
    this.cache.delete(name);
    if (existed) this.changed({ type: 'DELETED', name, at: now });
    return existed;
  }

  private validate(name: string, templateName: string, options: Record<string, unknown>): Pick<StoredService, 'template' | 'options'> {
    if (!NAME_RE.test(name)) {
      throw new ServiceDefinitionError('name', `name: "${name}" must be 1-64 letters, digits, dot, dash or underscore`);
    }
    const template = templateIdOf(templateName);
    if (!template) {
      throw new ServiceDefinitionError(
        'template',
        `template: "${templateName}" is not one of ${TEMPLATE_NAMES.join(', ')} (or their names: ${TEMPLATE_NAMES.map((t) => TEMPLATE_DISPLAY_NAMES[t]).join(', ')})`,
      );
    }
    let validated: Record<string, unknown>;
    try {
      validated = validateOptions(options, 'options');
      resolve({ name, template, options: validated, createdAt: 0, updatedAt: 0 });
    } catch (err) {
      if (err instanceof OptionError) throw new ServiceDefinitionError(err.parameter, err.message);
      if (err instanceof Error) throw new ServiceDefinitionError('options', err.message);
      throw err;
    }
    const target = toSettings({ ...TEMPLATES[template], ...validated }).target;
    if (!target.includes('$') && !this.isKnownTarget(target)) throw new ServiceDefinitionError('options._target', `options.${this.unknownTargetMessage(target)}`);
    return { template, options: validated };
  }
}

function resolve(s: StoredService): ConfiguredService {
  const template = isTemplateName(s.template) ? TEMPLATES[s.template] : TEMPLATES['user-terminated-immediate'];
  const effectiveOptions = { ...template, ...s.options };
  const settings = toSettings(effectiveOptions);
  return {
    name: s.name,
    template: s.template,
    options: s.options,
    effectiveOptions,
    settings,
    businessHours: BusinessHours.from(settings.businessHours),
  };
}
