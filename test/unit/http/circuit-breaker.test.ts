import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CircuitBreaker } from '../../../src/http/circuit-breaker.js';

function breaker(options: { maxFailures: number; windowSize?: number; openMs?: number }) {
  const clock = { now: 0 };
  const circuit = new CircuitBreaker({
    maxFailures: options.maxFailures,
    windowSize: options.windowSize ?? 100,
    openMs: options.openMs ?? 1000,
    now: () => clock.now,
  });
  return { circuit, clock };
}

describe('CircuitBreaker', () => {
  test('opens once maxFailures calls have failed, not before', () => {
    const { circuit } = breaker({ maxFailures: 3 });
    circuit.record(true);
    circuit.record(false);
    circuit.record(true);
    assert.equal(circuit.isOpen, false);
    circuit.record(true);
    assert.equal(circuit.isOpen, true);
  });

  test('counts only the last windowSize outcomes', () => {
    const { circuit } = breaker({ maxFailures: 2, windowSize: 2 });
    circuit.record(true);
    circuit.record(false);
    circuit.record(false);
    circuit.record(true);
    assert.equal(circuit.isOpen, false, 'the first failure slid out of the window');
    circuit.record(true);
    assert.equal(circuit.isOpen, true);
  });

  test('closes after openMs with its count cleared', () => {
    const { circuit, clock } = breaker({ maxFailures: 1, openMs: 1000 });
    circuit.record(true);
    clock.now = 999;
    assert.equal(circuit.isOpen, true);
    clock.now = 1000;
    assert.equal(circuit.isOpen, false);
    circuit.record(false);
    assert.equal(circuit.isOpen, false);
    circuit.record(true);
    assert.equal(circuit.isOpen, true, 'a new failure after closing opens it again');
  });
});
