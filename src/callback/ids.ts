import { randomBytes } from 'node:crypto';

/**
 * 32 hex characters like GMS ids: 12 of time (ms) then 80 random bits. Time-ordered ids keep inserts at
 * the right edge of the store's B-trees (fewer pages written per commit) and sort by creation.
 */
export const newId = (now: number = Date.now()): string => now.toString(16).padStart(12, '0') + randomBytes(10).toString('hex');
