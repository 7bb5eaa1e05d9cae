// The snarkjs material shared by the zk tests (groth16_snarkjs.mjs, groth16_prove.mjs):
// compiles tests/zk/circuits/*.circom with circom2 (--O2), runs a small powers of tau
// (2^9) with one contribution, and per circuit `groth16 setup`, one `zkey contribute`,
// the verification key, the key as JSON, the witnesses (`wtns calculate`, `wtns export
// json`) and, unless asked not to, snarkjs's own proofs (`groth16 prove`).
// Every file lands in the work folder given to makeSnarkjsSetup; contribution entropy
// comes from the seed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const snarkjsCli = path.join(here, "node_modules", "snarkjs", "build", "cli.cjs");
export const circomCli = path.join(here, "node_modules", "circom2", "cli.js");

export const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

// The circuits and the inputs of their witnesses (file names: <name>_<i>.wtns).
export const circuits = {
  multiplier: [{ a: "3", b: "11", k: "5" }, { a: "7", b: "2", k: "9" }],
  hash_chain: [{ x: "5", k: "7" }, { x: "123456789", k: "42" }],
};

// CHAINACCEL_TEST_SEED from the environment, or a fresh one; printed either way.
export function testSeed() {
  const seed = process.env.CHAINACCEL_TEST_SEED ?? createHash("sha256")
    .update(String(Date.now()) + Math.random()).digest("hex").slice(0, 16);
  console.log(`CHAINACCEL_TEST_SEED=${seed}`);
  return seed;
}

// randomInt(bound): uniform in [0, bound), deterministic in the seed and the call order.
export function makeRandomInt(seed) {
  let counter = 0;
  return (bound) => {
    const h = createHash("sha256").update(`${seed}/${counter++}`).digest();
    return Number(h.readBigUInt64LE(0) % BigInt(bound));
  };
}

// TAP-like checks: check(name, fn) prints "ok - name" or "not ok - name" with the error;
// failures() counts the latter.
export function makeChecks() {
  let failed = 0;
  return {
    check(name, fn) {
      try {
        fn();
        console.log(`ok - ${name}`);
      } catch (e) {
        failed++;
        console.log(`not ok - ${name}\n  ${String(e.stack ?? e).split("\n").join("\n  ")}`);
      }
    },
    failures: () => failed,
  };
}

export function makeSnarkjsSetup(work, seed) {
  const snarkjs = (...args) =>
    execFileSync(process.execPath, [snarkjsCli, ...args], { cwd: work, encoding: "utf8" });
  const writeJson = (f, v) => fs.writeFileSync(path.join(work, f), JSON.stringify(v, null, 1));

  function compile(name) {
    execFileSync(process.execPath, [circomCli, `circuits/${name}.circom`, "--r1cs", "--wasm",
      "--O2", "-l", "node_modules", "-o", work], { cwd: here, stdio: ["ignore", "ignore", "inherit"] });
  }

  function ceremony() {
    snarkjs("powersoftau", "new", "bn128", "9", "pot0.ptau");
    snarkjs("powersoftau", "contribute", "pot0.ptau", "pot1.ptau", "--name=t", `-e=${seed}/tau`);
    snarkjs("powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau");
  }

  // Keys, witnesses and (when prove) snarkjs's proofs <name>_proof<i>.json and
  // <name>_public<i>.json of one circuit.
  function setup(name, { prove = true } = {}) {
    snarkjs("groth16", "setup", `${name}.r1cs`, "pot.ptau", `${name}_0.zkey`);
    snarkjs("zkey", "contribute", `${name}_0.zkey`, `${name}.zkey`, "--name=c", `-e=${seed}/${name}`);
    snarkjs("zkey", "export", "verificationkey", `${name}.zkey`, `${name}_vk.json`);
    snarkjs("zkey", "export", "json", `${name}.zkey`, `${name}_zkey.json`);
    circuits[name].forEach((input, i) => {
      writeJson(`${name}_in${i}.json`, input);
      snarkjs("wtns", "calculate", `${name}_js/${name}.wasm`, `${name}_in${i}.json`, `${name}_${i}.wtns`);
      snarkjs("wtns", "export", "json", `${name}_${i}.wtns`, `${name}_${i}_wtns.json`);
      if (prove) {
        snarkjs("groth16", "prove", `${name}.zkey`, `${name}_${i}.wtns`, `${name}_proof${i}.json`,
          `${name}_public${i}.json`);
      }
    });
  }

  // Everything above for every circuit.
  function all(options) {
    for (const name of Object.keys(circuits)) compile(name);
    ceremony();
    for (const name of Object.keys(circuits)) setup(name, options);
  }

  return { snarkjs, writeJson, compile, ceremony, setup, all };
}
