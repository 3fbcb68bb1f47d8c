// The transition-matrix test of a table machine: every (state × event) against an
// independent statement of the rules, written as lines `state event next`; `ANY` stands
// for every state but those given as `anyExcept`. Pairs not listed change nothing.
import assert from 'node:assert/strict';

export function assertTransitionMatrix<S extends string, E extends string>(
  rules: string,
  states: readonly S[],
  events: readonly E[],
  next: (state: S, event: E) => S | undefined,
  anyExcept: readonly S[],
): void {
  const expected = new Map<string, string>();
  for (const line of rules.trim().split('\n')) {
    const [state, event, to] = line.trim().split(/\s+/) as [string, string, string];
    for (const s of state === 'ANY' ? states.filter((x) => !anyExcept.includes(x)) : [state]) expected.set(`${s} ${event}`, to);
  }
  let listed = 0;
  for (const state of states) {
    for (const event of events) {
      const want = expected.get(`${state} ${event}`);
      if (want) listed++;
      assert.equal(next(state, event), want, `${state} × ${event}`);
    }
  }
  assert.equal(listed, expected.size, 'every rule names a real state and event');
}
