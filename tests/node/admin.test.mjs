// AdminService, the standard health service, server reflection, placement and the
// Prometheus endpoint.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { concat, fixedBatch, variableBatch } from './helpers/batch.mjs';
import { useDaemon } from './helpers/daemon.mjs';
import { Rng, testSeed } from './helpers/random.mjs';
import { Code, expectGrpcError, healthStatus, reflectedServices, unary } from './helpers/rpc.mjs';

const seed = testSeed('admin.test.mjs');
const daemon = useDaemon();

const kTasks = ['hash', 'merkle_build', 'merkle_verify', 'signature_verify', 'signature_recover'];

const getDevices = () => unary(daemon.clients.admin, 'GetDevices', {});
const getStatus = () => unary(daemon.clients.admin, 'GetStatus', {});

function counters(status) {
  const byTask = {};
  for (const t of status.tasks) byTask[t.task] = t;
  return (task) => byTask[task] ?? { task, requests: 0, failed_requests: 0, items: 0 };
}

// One successful request of each task type; returns the items each carried.
async function oneOfEach(rng) {
  const c = daemon.clients;
  await unary(c.hash, 'Hash', { algorithm: 'HASH_ALGORITHM_SHA256', messages: variableBatch(Array.from({ length: 7 }, () => rng.bytes(5))) });
  await unary(c.merkle, 'BuildTree', { scheme: 'MERKLE_SCHEME_BITCOIN', leaves: rng.bytes(5 * 32), proof_indices: [1] });
  const leaf = rng.bytes(32);
  await unary(c.merkle, 'VerifyProofs', {
    scheme: 'MERKLE_SCHEME_BITCOIN', root: leaf, leaf_count: 1, leaves: concat([leaf, leaf, leaf]),
    leaf_indices: [0, 0, 0], proof_lengths: [0, 0, 0],
  });
  const sks = Array.from({ length: 4 }, () => rng.bytes(32));
  const msgs = sks.map(() => rng.bytes(9));
  await unary(c.signature, 'Verify', {
    scheme: 'SIGNATURE_SCHEME_ED25519',
    messages: variableBatch(msgs),
    public_keys: fixedBatch(sks.map((sk) => Buffer.from(ed25519.getPublicKey(sk))), 32),
    signatures: fixedBatch(sks.map((sk, i) => Buffer.from(ed25519.sign(msgs[i], sk))), 64),
  });
  const hashes = [rng.bytes(32), rng.bytes(32)];
  const sigs = hashes.map((h) => {
    const rec = Buffer.from(secp256k1.sign(h, secp256k1.utils.randomSecretKey(), { prehash: false, format: 'recovered' }));
    return Buffer.concat([rec.subarray(1), rec.subarray(0, 1)]);
  });
  await unary(c.signature, 'Recover', { hashes: concat(hashes), signatures: concat(sigs) });
  return { hash: 7, merkle_build: 5, merkle_verify: 3, signature_verify: 4, signature_recover: 2 };
}

describe('AdminService', () => {
  test('GetDevices lists a healthy "cpu" engine that runs every task', async () => {
    const { devices } = await getDevices();
    const cpu = devices.find((d) => d.name === 'cpu');
    assert.ok(cpu, `no "cpu" device in ${JSON.stringify(devices.map((d) => d.name))}`);
    assert.equal(cpu.kind, 'cpu');
    assert.equal(cpu.healthy, true);
    assert.ok(cpu.model.length > 0, 'the CPU model is named');
    if (daemon.started) assert.equal(cpu.threads, daemon.threads, 'threads as given by --threads');
    else assert.ok(cpu.threads > 0);
    for (const task of kTasks) assert.ok(cpu.tasks.includes(task), `cpu runs ${task}: ${cpu.tasks}`);
    for (const gpu of devices.filter((d) => d.kind === 'gpu')) {
      assert.match(gpu.name, /^gpu:\d+$/);
      assert.ok(gpu.memory_bytes > 0 && gpu.multiprocessors > 0, `${gpu.name} reports its memory and SMs`);
    }
    assert.equal(new Set(devices.map((d) => d.name)).size, devices.length, 'device names are unique');
  });

  test('GetStatus counts requests, failures and items per task', async () => {
    const rng = new Rng(seed, 'admin/status');
    const before = await getStatus();
    assert.ok(before.version.length > 0, 'version is set');
    assert.ok(before.uptime_seconds > 0, 'uptime is positive');
    const items = await oneOfEach(rng);
    await expectGrpcError(
      unary(daemon.clients.hash, 'Hash', { algorithm: 'HASH_ALGORITHM_SHA256', messages: { data: Buffer.alloc(0), item_size: 32 } }),
      Code.INVALID_ARGUMENT, [], 'empty hash batch');
    const afterStatus = await getStatus();
    assert.ok(afterStatus.uptime_seconds >= before.uptime_seconds, 'uptime does not go back');
    assert.ok(afterStatus.in_flight_requests >= 0);
    const was = counters(before);
    const now = counters(afterStatus);
    for (const task of kTasks) {
      const delta = (key) => now(task)[key] - was(task)[key];
      const exact = daemon.started; // another client may use a shared daemon
      if (task === 'hash') {
        // The failed request may or may not count among `requests`; it must count as failed.
        if (exact) {
          assert.ok([1, 2].includes(delta('requests')), `hash requests +${delta('requests')}`);
          assert.equal(delta('failed_requests'), 1, 'hash failed_requests');
        } else {
          assert.ok(delta('requests') >= 1 && delta('failed_requests') >= 1);
        }
      } else if (exact) {
        assert.equal(delta('requests'), 1, `${task} requests`);
        assert.equal(delta('failed_requests'), 0, `${task} failed_requests`);
      } else {
        assert.ok(delta('requests') >= 1, `${task} requests`);
      }
      if (exact) assert.equal(delta('items'), items[task], `${task} items`);
      else assert.ok(delta('items') >= items[task], `${task} items`);
    }
  });

  test('GetDevices counts the batches the CPU engine ran', async () => {
    const rng = new Rng(seed, 'admin/batches');
    const cpuOf = async () => (await getDevices()).devices.find((d) => d.name === 'cpu');
    const before = await cpuOf();
    await oneOfEach(rng);
    const afterCpu = await cpuOf();
    assert.ok(afterCpu.batches > before.batches, `cpu batches ${before.batches} -> ${afterCpu.batches}`);
    assert.ok(afterCpu.busy_seconds >= before.busy_seconds, 'busy_seconds does not go back');
  });
});

describe('placement', () => {
  test('responses name an engine that GetDevices lists', async () => {
    const names = (await getDevices()).devices.map((d) => d.name);
    for (const placement of ['PLACEMENT_AUTO', 'PLACEMENT_CPU']) {
      const response = await unary(daemon.clients.hash, 'Hash', {
        algorithm: 'HASH_ALGORITHM_KECCAK256', messages: variableBatch([Buffer.from('x')]), placement,
      });
      assert.ok(names.includes(response.engine), `${placement}: engine "${response.engine}" not in ${names}`);
      if (placement === 'PLACEMENT_CPU') assert.equal(response.engine, 'cpu');
    }
  });

  test('PLACEMENT_GPU: FAILED_PRECONDITION without a healthy GPU, a GPU engine otherwise', async () => {
    const gpus = (await getDevices()).devices.filter((d) => d.kind === 'gpu' && d.healthy);
    const call = unary(daemon.clients.hash, 'Hash', {
      algorithm: 'HASH_ALGORITHM_SHA256', messages: variableBatch([Buffer.from('x')]), placement: 'PLACEMENT_GPU',
    });
    if (gpus.length === 0) {
      await expectGrpcError(call, Code.FAILED_PRECONDITION, [], 'PLACEMENT_GPU without a GPU');
    } else {
      const response = await call;
      assert.match(response.engine, /^gpu:\d+$/);
    }
  });
});

describe('standard services', () => {
  test('grpc.health.v1.Health/Check says SERVING', async () => {
    assert.equal(await healthStatus(daemon.clients), 'SERVING');
  });

  test('server reflection lists every service', async () => {
    const services = await reflectedServices(daemon.clients);
    for (const name of ['chainaccel.v1.HashService', 'chainaccel.v1.MerkleService', 'chainaccel.v1.SignatureService',
      'chainaccel.v1.AdminService', 'grpc.health.v1.Health']) {
      assert.ok(services.includes(name), `${name} missing from ${services}`);
    }
  });

  test('the metrics endpoint serves Prometheus text', async (t) => {
    if (!daemon.metricsAddress) {
      t.skip('no metrics address: set CHAINACCEL_METRICS_ADDRESS along with CHAINACCEL_ADDRESS');
      return;
    }
    const response = await fetch(`http://${daemon.metricsAddress}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /^# (HELP|TYPE) /m, 'Prometheus exposition format');
  });
});
