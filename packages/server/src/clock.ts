/** Time is injected so lease, backoff and timeout behaviour can be tested without sleeping. */
export interface Clock {
  now(): Date;
}
export const system: Clock = { now: () => new Date() };
