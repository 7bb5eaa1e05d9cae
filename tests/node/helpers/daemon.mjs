// The daemon under test: either one already running at CHAINACCEL_ADDRESS (host:port),
// or a chainacceld this module starts for the test file and stops at its end.
//
// Starting: the binary is CHAINACCELD (default ../../build/server/chainacceld from
// tests/node), bound to free ports on 127.0.0.1, with a fresh data directory; the
// daemon writes its bound addresses to a ready file ("grpc=HOST:PORT" and
// "metrics=HOST:PORT" lines) once it serves.
// Stopping: SIGTERM; the daemon must exit with status 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { makeClients } from './rpc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const kDefaultBinary = path.resolve(here, '../../../build/server/chainacceld');
const kReadyTimeoutMs = 30_000;
const kExitTimeoutMs = 40_000; // above the daemon's default 30 s shutdown grace

// Starts chainacceld; resolves once its ready file names both addresses.
export async function startDaemon({ threads = 2 } = {}) {
  const binary = process.env.CHAINACCELD || kDefaultBinary;
  if (!fs.existsSync(binary)) {
    throw new Error(`no daemon binary at ${binary}: build it, or set CHAINACCELD or CHAINACCEL_ADDRESS`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chainaccel-node-'));
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(dataDir);
  const readyFile = path.join(tmp, 'ready');
  const args = [
    '--listen', '127.0.0.1:0',
    '--metrics-listen', '127.0.0.1:0',
    '--threads', String(threads),
    '--data-dir', dataDir,
    '--ready-file', readyFile,
    '--log-level', 'warn',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (err) => resolve({ code: null, signal: null, error: err }));
  });
  let exit = null;
  let ready = null;
  let stopping = false;
  exited.then((e) => {
    exit = e;
    if (!stopping && ready !== null) {
      // Every later call fails with UNAVAILABLE; say why once, where it happened.
      console.error(`# chainacceld (pid ${child.pid}) died during the tests: ${describeExit(e)}`);
    }
  });

  const deadline = Date.now() + kReadyTimeoutMs;
  while (ready === null) {
    if (exit !== null) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new Error(`${binary} exited before it was ready: ${JSON.stringify(exit)}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new Error(`${binary} wrote no ready file within ${kReadyTimeoutMs} ms`);
    }
    ready = readReadyFile(readyFile);
    if (ready === null) await sleep(50);
  }

  return {
    address: ready.grpc,
    metricsAddress: ready.metrics,
    threads,
    pid: child.pid,
    // Sends SIGTERM and resolves with { code, signal } once the daemon has exited.
    async stop() {
      const diedEarly = exit !== null;
      stopping = true;
      if (!diedEarly) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), kExitTimeoutMs);
      const result = await exited;
      clearTimeout(timer);
      fs.rmSync(tmp, { recursive: true, force: true });
      return { ...result, diedEarly };
    },
  };
}

// The ready file's addresses, or null while it is absent or incomplete.
function readReadyFile(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const fields = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  if (!fields.grpc || !('metrics' in fields)) return null;
  return fields;
}

function describeExit({ code, signal, error }) {
  if (error) return `process error ${error.message}`;
  return signal ? `killed by ${signal}` : `exit status ${code}`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
