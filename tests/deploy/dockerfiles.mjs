// Lints the container images' Dockerfiles (no Docker engine is needed) and checks that
// they build with the steps CI runs.
//
//   node tests/deploy/dockerfiles.mjs
//
// hadolint is neither a Debian 12 package nor an npm package, so the linter is
// dockerfile-utils (the validator of VS Code's Docker language server): instructions,
// their arguments and flags (HEALTHCHECK, EXPOSE, STOPSIGNAL, COPY --from, ...), JSON
// forms, ARG/ENV use, stage names. Any error or warning fails. Then, for docker/Dockerfile
// (CPU) and docker/Dockerfile.cuda (GPU):
//   - every package comes from scripts/install-deps.sh, the script CI runs: no apt-get,
//     dpkg, pip or npm install of their own;
//   - the build stage runs `install-deps.sh --no-npm` and `scripts/build.sh chainacceld
//     chainaccel`; the runtime stage runs `install-deps.sh --runtime`;
//   - the two files' RUN and COPY steps are the same, but for `--cuda` and the check that
//     the GPU engine was built;
//   - the runtime stage runs as uid 10001, has a HEALTHCHECK, chainacceld as ENTRYPOINT
//     and EXPOSEs 50051 and 9464.
// Exits 0 when all holds, 1 otherwise.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DockerfileParser } from "dockerfile-ast";
import { validate } from "dockerfile-utils";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const files = { cpu: "docker/Dockerfile", cuda: "docker/Dockerfile.cuda" };
let failures = 0;
let checks = 0;
const check = (ok, message) => {
  checks++;
  if (ok) {
    console.log(`ok ${message}`);
  } else {
    failures++;
    console.error(`FAIL ${message}`);
  }
};

// Stages: [{name, instructions: [{keyword, args, line}]}]
function stages(text) {
  const out = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = (instruction.getArgumentsContent() ?? "").replace(/\\\n/g, " ").replace(/\s+/g, " ").trim();
    const line = instruction.getRange().start.line + 1;
    if (keyword === "FROM") {
      out.push({ name: args.split(/\s+AS\s+/i)[1] ?? String(out.length), instructions: [] });
    }
    out.at(-1)?.instructions.push({ keyword, args, line });
  }
  return out;
}

const parsed = {};
for (const [kind, path] of Object.entries(files)) {
  const text = readFileSync(join(root, path), "utf8");
  // ---- lint ----
  const diagnostics = validate(text).filter((d) => d.severity <= 2);  // Error, Warning
  for (const d of diagnostics) console.error(`  ${path}:${d.range.start.line + 1}: ${d.message}`);
  check(diagnostics.length === 0, `${path}: dockerfile-utils finds no error or warning`);

  const all = stages(text);
  parsed[kind] = all;
  const runs = all.flatMap((s) => s.instructions.filter((i) => i.keyword === "RUN"));
  const ownInstalls = runs.filter((r) => /\b(apt-get|apt|aptitude)\s+install\b|\bdpkg\s+-i\b|\bpip3?\s+install\b|\bnpm\s+(install|ci)\b/.test(r.args));
  check(ownInstalls.length === 0,
    `${path}: installs packages only through scripts/install-deps.sh${ownInstalls.length ? ` (line ${ownInstalls.map((r) => r.line).join(", ")})` : ""}`);

  const build = all.find((s) => s.name === "build");
  const runtime = all.at(-1);
  const buildRuns = build?.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args) ?? [];
  check(buildRuns.some((a) => /(^|\s)scripts\/install-deps\.sh --no-npm( --cuda)?( |$)/.test(a)),
    `${path}: the build stage runs scripts/install-deps.sh --no-npm`);
  check(buildRuns.some((a) => /(^|\s)scripts\/build\.sh chainacceld chainaccel( |$)/.test(a)),
    `${path}: the build stage runs scripts/build.sh chainacceld chainaccel`);
  const runtimeOf = (keyword) => runtime.instructions.filter((i) => i.keyword === keyword);
  check(runtimeOf("RUN").some((i) => /install-deps\.sh --runtime( --cuda)?( |$)/.test(i.args)),
    `${path}: the runtime stage runs install-deps.sh --runtime`);
  check(runtimeOf("USER").at(-1)?.args === "10001:10001", `${path}: the runtime stage runs as 10001:10001`);
  check(runtimeOf("HEALTHCHECK").length === 1 && / CMD /.test(` ${runtimeOf("HEALTHCHECK")[0].args} `),
    `${path}: the runtime stage has a HEALTHCHECK with a command`);
  check(runtimeOf("ENTRYPOINT").at(-1)?.args === '["chainacceld"]', `${path}: the entrypoint is chainacceld`);
  const exposed = runtimeOf("EXPOSE").flatMap((i) => i.args.split(" "));
  check(["50051/tcp", "9464/tcp"].every((p) => exposed.includes(p)), `${path}: EXPOSEs 50051/tcp and 9464/tcp`);
}

// ---- the same steps in both images ----
const steps = (kind) => parsed[kind].map((s) => s.instructions
  .filter((i) => i.keyword === "RUN" || i.keyword === "COPY")
  .map((i) => `${i.keyword} ${i.args}`
    .replace(/ --cuda\b/g, "")
    .replace(/ && test -f \/build\/engines\/gpu\/libchainaccel_gpu_engine\.a/, "")));
const [cpu, cuda] = [steps("cpu"), steps("cuda")];
check(cpu.length === cuda.length, `the two Dockerfiles have the same stages (${cpu.length}, ${cuda.length})`);
for (let s = 0; s < Math.min(cpu.length, cuda.length); s++) {
  const same = JSON.stringify(cpu[s]) === JSON.stringify(cuda[s]);
  if (!same) {
    console.error(`  ${files.cpu} stage ${s}:\n    ${cpu[s].join("\n    ")}`);
    console.error(`  ${files.cuda} stage ${s}:\n    ${cuda[s].join("\n    ")}`);
  }
  check(same, `stage ${s}: the same RUN and COPY steps in both Dockerfiles, but for --cuda`);
}

console.log(`${checks - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
