/** Why a queue operation was refused; `statusCode` is what the REST edge answers. */
export class QueueError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'QueueError';
  }
}

export const unknownAgent = (id: string) => new QueueError(404, `unknown agent "${id}"`, 'agentId');
export const unknownTarget = (name: string) => new QueueError(404, `unknown target "${name}"`, 'target');
export const unknownContact = (id: string) => new QueueError(404, `contact "${id}" is not waiting in any target`, 'contactId');
