/**
 * Registers the conformance cases as tests, for one adapter. The factory is
 * called before each case and must hand out an empty subject whose stores can
 * serve at least 50 claims at once on separate connections.
 */
import { CASES } from './cases';
import { Moves, type ConformanceSubject } from './subject';

export function defineStoreConformance(name: string, factory: () => Promise<ConformanceSubject>): void {
  describe(`store conformance: ${name}`, () => {
    for (const conformance of CASES) {
      it(
        `${conformance.title} [${conformance.id}]`,
        async () => conformance.run(new Moves(await factory())),
        conformance.timeoutMs,
      );
    }
  });
}
