// Comparison of per-item ItemStatus verdicts that reports every mismatch at once,
// grouped by the kind of item, so that one run shows the whole pattern of a bug.
import assert from 'node:assert/strict';
import { hex } from './batch.mjs';

// statuses: the daemon's verdicts; items: what was sent, each with a `kind`;
// expectedOf(item): the expected status, or an array of the statuses the contract
// allows; describe(item): the item's inputs, for the failure message.
export function assertStatuses(statuses, items, expectedOf, describe) {
  assert.equal(statuses.length, items.length, 'one verdict per item');
  const groups = new Map();
  let mismatches = 0;
  for (const [i, item] of items.entries()) {
    const expected = expectedOf(item);
    const allowed = Array.isArray(expected) ? expected : [expected];
    if (allowed.includes(statuses[i])) continue;
    mismatches++;
    const key = `${item.kind}: expected ${allowed.join(' or ')}, got ${statuses[i]}`;
    const group = groups.get(key) ?? { count: 0, example: `item ${i}: ${describe(item)}` };
    group.count++;
    groups.set(key, group);
  }
  if (mismatches > 0) {
    const lines = [...groups].map(([key, g]) => `  ${key} (${g.count}x); e.g. ${g.example}`);
    assert.fail(`${mismatches} of ${items.length} verdicts differ:\n${lines.join('\n')}`);
  }
}

// The verdicts of a SignatureService.Verify response against each item's expected status
// (items carry message, publicKey, signature), and valid_count against the verdicts.
export function assertSignatureVerdicts(response, items, expectedOf = (it) => it.expected) {
  assertStatuses(response.status, items, expectedOf,
    (it) => `pk=${hex(it.publicKey)} sig=${hex(it.signature)} msg=${hex(it.message)}`);
  assert.equal(response.valid_count, response.status.filter((s) => s === 'ITEM_OK').length, 'valid_count');
}
