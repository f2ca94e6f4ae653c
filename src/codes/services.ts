/** The domain's use cases over one set of stores, keys and policies: what the GraphQL layer and the CLI delegate to. */
import type { AuditLog, CodeStore, HoldStore, RateLimitStore } from '../store/port';
import { CodeAdmin } from './admin';
import { AttemptGuard } from './attempt-guard';
import { Holds } from './holds';
import type { KeyRing } from './keyring';
import type { CodePolicy } from './policy';
import { RateLimiter } from './rate-limiter';
import { Redeemer } from './redeemer';
import type { Clock, RandomBytes, RateLimitSettings, ServiceObserver } from './types';

export interface CodeServicesDeps {
  readonly store: CodeStore;
  readonly holds: HoldStore;
  readonly rateLimits: RateLimitStore;
  readonly audit: AuditLog;
  readonly keyRing: KeyRing;
  readonly policy: CodePolicy;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly rateLimit: RateLimitSettings;
  /** Most codes one issueMany call may ask for (at least 10000). */
  readonly maxBatch: number;
  readonly observer?: ServiceObserver;
}

export interface CodeServices {
  readonly admin: CodeAdmin;
  readonly redeemer: Redeemer;
  readonly holds: Holds;
}

export function createCodeServices(deps: CodeServicesDeps): CodeServices {
  // Rate-limit buckets are keyed by an HMAC under the active key: a leaked table names no client.
  const limiter = new RateLimiter(deps.rateLimits, deps.rateLimit, deps.keyRing.active.secret);
  const guard = new AttemptGuard(limiter, deps.audit, deps.observer);
  const shared = {
    store: deps.store,
    keyRing: deps.keyRing,
    policy: deps.policy,
    clock: deps.clock,
    random: deps.random,
  };
  return {
    admin: new CodeAdmin({ ...shared, holds: deps.holds, maxBatch: deps.maxBatch }),
    redeemer: new Redeemer({ ...shared, guard }),
    holds: new Holds({ ...shared, holds: deps.holds, guard }),
  };
}
