// gRPC plumbing: loads the chainaccel protos at run time and wraps the unary calls in
// promises.
//
// Messages use the proto field names as written (keepCase), enums as their names,
// 64-bit integers as JavaScript numbers (every count in these tests is far below 2^53)
// and bytes as Buffers.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeTestsDir = path.resolve(here, '..');

// Where the chainaccel protos live: CHAINACCEL_PROTO_DIR, else the repository's proto/.
export const protoDir = process.env.CHAINACCEL_PROTO_DIR || path.resolve(nodeTestsDir, '../../proto');
const localProtoDir = path.join(nodeTestsDir, 'protos');

// Big batches are the point of the daemon: allow 512 MiB both ways, as its own
// default max_message_bytes does.
export const kMaxMessageBytes = 512 * 1024 * 1024;
const channelOptions = {
  'grpc.max_send_message_length': kMaxMessageBytes,
  'grpc.max_receive_message_length': kMaxMessageBytes,
};

const definition = protoLoader.loadSync(
  [
    'chainaccel/v1/hash.proto',
    'chainaccel/v1/merkle.proto',
    'chainaccel/v1/signature.proto',
    'chainaccel/v1/admin.proto',
    'chainaccel/v1/execution.proto',
    'grpc/health/v1/health.proto',
    'grpc/reflection/v1alpha/reflection.proto',
  ],
  {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [protoDir, localProtoDir],
  },
);
const loaded = grpc.loadPackageDefinition(definition);
const v1 = loaded.chainaccel.v1;

// The grpc status codes the tests look for, by name.
export const Code = grpc.status;

// One client per service, all on one channel to `address` (host:port).
export function makeClients(address) {
  const hash = new v1.HashService(address, grpc.credentials.createInsecure(), channelOptions);
  const shared = { channelOverride: hash.getChannel() };
  const make = (Ctor) => new Ctor(address, grpc.credentials.createInsecure(), shared);
  return {
    hash,
    merkle: make(v1.MerkleService),
    signature: make(v1.SignatureService),
    admin: make(v1.AdminService),
    execution: make(v1.ExecutionService),
    health: make(loaded.grpc.health.v1.Health),
    reflection: make(loaded.grpc.reflection.v1alpha.ServerReflection),
    close() {
      hash.close();
    },
  };
}

// Calls a unary method; resolves with the response or rejects with the grpc error
// (err.code, err.details).
export function unary(client, method, request, { timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + timeoutMs }, (err, response) => {
      if (err) reject(err);
      else resolve(response);
    });
  });
}

// Asserts that the call fails with `code` and that its details match every pattern
// (the contract says INVALID_ARGUMENT names the offending field). Returns the error.
export async function expectGrpcError(promise, code, detailPatterns = [], what = '') {
  let response;
  try {
    response = await promise;
  } catch (err) {
    assert.equal(
      err.code,
      code,
      `${what}: expected grpc status ${codeName(code)}, got ${codeName(err.code)}: ${err.details}`,
    );
    for (const pattern of detailPatterns) {
      assert.match(err.details, pattern, `${what}: status details do not name ${pattern}`);
    }
    return err;
  }
  assert.fail(`${what}: expected grpc status ${codeName(code)}, got OK: ${JSON.stringify(response)}`);
}

export function codeName(code) {
  return Object.keys(grpc.status).find((k) => grpc.status[k] === code) ?? String(code);
}

// grpc.health.v1.Health/Check for `service` ('' = the whole server).
export async function healthStatus(clients, service = '') {
  const response = await unary(clients.health, 'Check', { service });
  return response.status;
}

// The service names that server reflection lists.
export function reflectedServices(clients, { timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const call = clients.reflection.ServerReflectionInfo({ deadline: Date.now() + timeoutMs });
    let done = false;
    call.on('data', (response) => {
      done = true;
      if (response.error_response) {
        reject(new Error(`reflection error ${JSON.stringify(response.error_response)}`));
      } else {
        resolve(response.list_services_response.service.map((s) => s.name));
      }
      call.end();
    });
    call.on('error', (err) => {
      if (!done) reject(err);
    });
    call.on('end', () => {
      if (!done) reject(new Error('reflection stream ended without a response'));
    });
    call.write({ list_services: '*' });
  });
}
