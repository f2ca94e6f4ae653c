/**
 * A validation rule: at most `max` public attempt fields (redeemCode,
 * redeemable, holdCode, confirmHold, releaseHold) in one operation, aliases
 * and fragments included, so that one request cannot carry a pile of guesses.
 * (Each attempt also counts toward the rate limit.)
 */
import { GraphQLError, Kind, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

const GUESSING_FIELDS = new Set(['redeemCode', 'redeemable', 'holdCode', 'confirmHold', 'releaseHold']);

export function redeemFieldLimit(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const found = countRootFields(context, operation.selectionSet, new Set());
      if (found > max) {
        context.reportError(
          new GraphQLError(
            `At most ${max} redeemCode, redeemable, holdCode, confirmHold or releaseHold fields are allowed per operation (found ${found}).`,
            {
              nodes: operation,
            },
          ),
        );
      }
    },
  });
}

/** Counts at the root only: CodeStats also has a field named redeemable. */
function countRootFields(context: ValidationContext, selectionSet: SelectionSetNode, seen: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (GUESSING_FIELDS.has(selection.name.value)) count += 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countRootFields(context, selection.selectionSet, seen);
    } else {
      // Every spread counts, even of the same fragment twice; `seen` only stops cycles.
      const fragment = context.getFragment(selection.name.value);
      if (fragment && !seen.has(fragment.name.value)) {
        count += countRootFields(context, fragment.selectionSet, new Set([...seen, fragment.name.value]));
      }
    }
  }
  return count;
}
