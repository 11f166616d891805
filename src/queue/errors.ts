import { DomainError, type ErrorCode } from '../errors';

/** Why a queue operation was refused, by meaning (`code`). */
export class QueueError extends DomainError {
  constructor(code: ErrorCode, message: string, parameter?: string) {
    super(code, message, parameter);
    this.name = 'QueueError';
  }
}

export const unknownAgent = (id: string) => new QueueError('NOT_FOUND', `unknown agent "${id}"`, 'agentId');
export const unknownTarget = (name: string) => new QueueError('NOT_FOUND', `unknown target "${name}"`, 'target');
export const unknownContact = (id: string) => new QueueError('NOT_FOUND', `contact "${id}" is not waiting in any target`, 'contactId');
