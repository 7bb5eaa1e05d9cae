// A chainacceld started for a test and stopped at its end, with no package
// dependencies (tests/node and tests/zk both use it).
//
// Starting: the binary is CHAINACCELD (default build/server/chainacceld of the
// repository), bound to free ports on 127.0.0.1, with a fresh data directory; the
// daemon writes its bound addresses to a ready file ("grpc=HOST:PORT" and
// "metrics=HOST:PORT" lines) once it serves. Extra command-line arguments (a --config)
// go after the defaults.
// Stopping: SIGTERM; resolves with the exit status.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const kDefaultBinary = path.resolve(here, '../../build/server/chainacceld');
const kReadyTimeoutMs = 30_000;
const kExitTimeoutMs = 40_000; // above the daemon's default 30 s shutdown grace

// Starts chainacceld; resolves once its ready file names both addresses.
export async function startDaemon({ threads = 2, extraArgs = [] } = {}) {
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
    ...extraArgs,
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

export function describeExit({ code, signal, error }) {
  if (error) return `process error ${error.message}`;
  return signal ? `killed by ${signal}` : `exit status ${code}`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

