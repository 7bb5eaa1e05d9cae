// The daemon under test: either one already running at CHAINACCEL_ADDRESS (host:port),
// or a chainacceld this module starts for the test file (tests/support/daemon_process.mjs)
// and stops at its end; the daemon must then exit with status 0.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { describeExit, startDaemon } from '../../support/daemon_process.mjs';
import { makeClients } from './rpc.mjs';

export { kDefaultBinary, startDaemon } from '../../support/daemon_process.mjs';

// Registers before/after hooks for the calling test file and returns a context that
// they fill in: { address, clients, started (true when this file runs its own
// daemon), metricsAddress (then, or CHAINACCEL_METRICS_ADDRESS), threads (only then) }.
export function useDaemon() {
  const ctx = { address: null, clients: null, started: false, metricsAddress: null, threads: null };
  let daemon = null;
  before(async () => {
    if (process.env.CHAINACCEL_ADDRESS) {
      ctx.address = process.env.CHAINACCEL_ADDRESS;
      ctx.metricsAddress = process.env.CHAINACCEL_METRICS_ADDRESS || null;
    } else {
      daemon = await startDaemon();
      ctx.started = true;
      ctx.address = daemon.address;
      ctx.metricsAddress = daemon.metricsAddress;
      ctx.threads = daemon.threads;
    }
    ctx.clients = makeClients(ctx.address);
  });
  after(async () => {
    ctx.clients?.close();
    if (daemon !== null) {
      const { code, signal, error, diedEarly } = await daemon.stop();
      assert.ok(!diedEarly, `the daemon died during the tests (${describeExit({ code, signal, error })}), before SIGTERM`);
      assert.equal(error, undefined, `daemon process error: ${error}`);
      assert.equal(signal, null, `daemon ended by signal ${signal} after SIGTERM instead of exiting`);
      assert.equal(code, 0, `daemon exited with status ${code} after SIGTERM`);
    }
  });
  return ctx;
}
