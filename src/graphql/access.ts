/**
 * Who may do what: the admin key check and the scope rules of scoped keys,
 * in one place. Public fields need nothing; [admin] fields carry @Authorized().
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthCheckerFn } from 'type-graphql';
import type { AdminKey } from '../config/admin-keys';
import type { GraphQLContext } from './context';
import { Forbidden, Unauthenticated } from './errors';

/** An authenticated admin caller. scope null: every scope. */
export interface AdminPrincipal {
  readonly scope: string | null;
}

const BEARER = /^Bearer +(\S+) *$/i;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Matches a bearer token against the configured admin keys in time that does not depend on the token. */
export class AdminAuthenticator {
  readonly #keys: readonly { readonly digest: Buffer; readonly scope: string | null }[];

  constructor(keys: readonly AdminKey[]) {
    this.#keys = keys.map((key) => ({ digest: digest(key.reveal()), scope: key.scope }));
  }

  authenticate(authorization: string | undefined): AdminPrincipal | null {
    const token = authorization === undefined ? null : BEARER.exec(authorization)?.[1];
    if (!token) return null;
    // Equal-length digests for timingSafeEqual, and every key compared: no early exit reveals which one matched.
    const presented = digest(token);
    let match: AdminPrincipal | null = null;
    for (const key of this.#keys) {
      if (timingSafeEqual(presented, key.digest)) match = { scope: key.scope };
    }
    return match;
  }
}

/** type-graphql's check for @Authorized() fields: an admin key is required; scopes are checked by the rules below. */
export const authChecker: AuthCheckerFn<GraphQLContext> = ({ context }) => {
  if (!context.admin) throw new Unauthenticated();
  return true;
};

/** The authenticated admin of an @Authorized() resolver. */
export function adminOf(context: GraphQLContext): AdminPrincipal {
  if (!context.admin) throw new Unauthenticated();
  return context.admin;
}

/**
 * The scope an admin call acts in: a scoped key works in its own scope (also
 * when none is named) and may not name another; an unscoped key acts as asked.
 */
export function actingScope(admin: AdminPrincipal, requested: string | null): string | null {
  if (admin.scope === null) return requested;
  if (requested !== null && requested !== admin.scope) {
    throw new Forbidden(`This admin key is limited to its own scope; scope "${requested}" is outside it.`);
  }
  return admin.scope;
}

/**
 * The scope a read or revoke by id is confined to, or undefined when nothing
 * can be visible (a scoped key naming another scope). Never an error: whether
 * a code exists outside the caller's scope must not leak.
 */
export function visibleScope(admin: AdminPrincipal, requested: string | null): string | null | undefined {
  if (admin.scope === null) return requested;
  return requested === null || requested === admin.scope ? admin.scope : undefined;
}
