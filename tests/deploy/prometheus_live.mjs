// Every expression of the Grafana dashboard and of the alerting rules, asked of a real
// Prometheus that scrapes a live chainacceld (and an unrelated target that is down).
//
//   CHAINACCELD=build/server/chainacceld CHAINACCEL_CLI=build/client/chainaccel \
//   CHAINACCEL_EXAMPLE_WASM_DIR=build/examples/contracts node tests/deploy/prometheus_live.mjs
//
// The test starts chainacceld on free loopback ports with the config of the Kubernetes
// overlays (deploy/kubernetes/base/chainacceld.yaml), and Prometheus
// (Debian's `prometheus`, scripts/install-deps.sh installs it) with a 1 s scrape interval,
// deploy/prometheus/alerts.yml as its rules, and two jobs: `chainaccel-local` (the daemon)
// and `node` (a port where nothing listens). It drives the daemon with the CLI while
// Prometheus scrapes: hashes, Merkle trees, a failing request, a
// contract deployed and called (blocks executed). Then:
//   - the dashboard's variables are resolved as Grafana does ("All" of a variable without
//     allValue is the alternation of the values found), and every panel target must
//     return at least one sample that is not NaN;
//   - "Targets up" must be exactly 1: the down target of the unrelated job is not counted;
//   - every rule must have been evaluated by Prometheus without error, no alert may be
//     pending or firing for the down target (it is not chainaccel's), and each
//     rule's expression with its thresholds taken off (`x > 5` asks `x`; `a and b` asks
//     both) must return a sample that is not NaN.
// An expression that cannot have data here is listed in `explained` below with the
// reason; it must then be empty (so that a stale explanation is noticed).
// Exits 0 when all holds, 1 otherwise, 77 (ctest: skipped) without prometheus.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parser } from "@prometheus-io/lezer-promql";
import { parse as parseYaml } from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const daemonPath = process.env.CHAINACCELD ?? join(root, "build/server/chainacceld");
const cliPath = process.env.CHAINACCEL_CLI ?? join(root, "build/client/chainaccel");
const wasmDir = process.env.CHAINACCEL_EXAMPLE_WASM_DIR ?? join(root, "build/examples/contracts");
const dashboardPath = join(root, "deploy/grafana/chainaccel-dashboard.json");
const rulesPath = join(root, "deploy/prometheus/alerts.yml");

const which = (name) => spawnSync("/bin/sh", ["-c", `command -v ${name}`]).stdout?.toString().trim() ?? "";
const prometheusPath = process.env.PROMETHEUS ?? which("prometheus");
if (!prometheusPath) {
  console.log("SKIP: no prometheus (Debian's package; scripts/install-deps.sh installs it)");
  process.exit(77);
}
for (const [what, path] of [["chainacceld", daemonPath], ["chainaccel", cliPath]]) {
  if (!existsSync(path)) {
    console.error(`no ${what} at ${path}`);
    process.exit(1);
  }
}

// ---- expressions that cannot have data here, and why --------------------------------------
// Keys: `panel <title> #<n>` (n: the target's index) and `rule <alertname>`. The second
// element says when the explanation applies.
const gpuEngines = { ok: false };  // set once the daemon's engines are known
const explained = new Map([
  ["panel GPU memory used #0", ["GPU engines only: chainaccel_engine_memory_bytes is exported for GPUs", () => !gpuEngines.ok]],
  ["rule ChainaccelGpuMemoryLow", ["GPU engines only: chainaccel_engine_memory_bytes is exported for GPUs", () => !gpuEngines.ok]],
  ["panel Rejections, drops and failed batches /s #0", ["a scheduler rejection needs full queues or a passed deadline at submit: an overloaded daemon", () => true]],
  ["panel Rejections, drops and failed batches /s #1", ["a drop needs a request whose deadline passes while it is queued: an overloaded daemon", () => true]],
  ["panel Rejections, drops and failed batches /s #2", ["a failed batch needs an engine fault (a CUDA error)", () => true]],
  ["rule ChainaccelSchedulerDeadlineDrops", ["chainaccel_scheduler_dropped_total{reason=\"deadline\"} exists only after a drop (alerts_test.yml covers the rule)", () => true]],
]);

// ---- processes ----------------------------------------------------------------------------
const freePort = () => new Promise((resolvePort, reject) => {
  const server = createServer();
  server.once("error", reject);
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolvePort(port));
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), "chainaccel-prom-"));
const children = [];
const start = (name, command, args) => {
  const log = [];
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => log.push(d));
  child.stderr.on("data", (d) => log.push(d));
  child.exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
  children.push({ name, child, log });
  return child;
};
const stopAll = async () => {
  for (const { child } of children) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.race([Promise.all(children.map(({ child }) => child.exited)), sleep(40000)]);
  for (const { child } of children) if (child.exitCode === null) child.kill("SIGKILL");
};
const failures = [];
const fail = (message) => { failures.push(message); console.error(`FAIL ${message}`); };

const [grpcPort, metricsPort, promPort, downPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
const cli = (args, input) => {
  const r = spawnSync(cliPath, ["--address", `127.0.0.1:${grpcPort}`, "--timeout", "20", ...args],
    { input, encoding: "utf8" });
  return { code: r.status, out: r.stdout ?? "", err: r.stderr ?? "" };
};

async function main() {
  // The daemon: the Kubernetes overlays' config file (so that the daemon vouches for it
  // too) with this test's ports and data directory, two CPU workers, and the GPUs if
  // there are any (gpu_enabled: true).
  start("chainacceld", daemonPath, [
    "--config", join(root, "deploy/kubernetes/base/chainacceld.yaml"),
    "--listen", `127.0.0.1:${grpcPort}`, "--metrics-listen", `127.0.0.1:${metricsPort}`,
    "--data-dir", join(work, "data"), "--threads", "2", "--log-level", "warn"]);
  for (let i = 0; cli(["health"]).code !== 0; i++) {
    if (i > 300) throw new Error("chainacceld did not become SERVING within 30 s");
    await sleep(100);
  }

  // Prometheus: the daemon, and an unrelated job whose target is down.
  const promConfig = {
    global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
    rule_files: [rulesPath],
    scrape_configs: [
      { job_name: "chainaccel-local", static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] },
      { job_name: "node", static_configs: [{ targets: [`127.0.0.1:${downPort}`] }] },
    ],
  };
  writeFileSync(join(work, "prometheus.yml"), JSON.stringify(promConfig, null, 2));
  start("prometheus", prometheusPath, [
    `--config.file=${join(work, "prometheus.yml")}`, `--storage.tsdb.path=${join(work, "tsdb")}`,
    `--web.listen-address=127.0.0.1:${promPort}`, "--log.level=warn"]);
  const api = async (path, params = {}) => {
    const url = new URL(`http://127.0.0.1:${promPort}/api/v1/${path}`);
    for (const [k, v] of Object.entries(params)) {
      for (const value of [].concat(v)) url.searchParams.append(k, value);
    }
    const response = await fetch(url);
    const body = await response.json();
    if (body.status !== "success") throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  };
  const query = (expr) => api("query", { query: expr });
  for (let i = 0; ; i++) {
    try {
      if ((await query('up{job="chainaccel-local"} == 1')).result.length === 1) break;
    } catch { /* not up yet */ }
    if (i > 300) throw new Error("Prometheus did not scrape the daemon within 30 s");
    await sleep(100);
  }

  // Load while Prometheus scrapes: 6 rounds, one a second, so that every rate() has
  // samples that rise.
  const deployed = cli(["deploy", join(wasmDir, "counter.wasm")]);
  if (deployed.code !== 0) throw new Error(`deploy: ${deployed.err}`);
  const contract = (deployed.out.match(/[0-9a-f]{40,}/) ?? [])[0];
  if (!contract) throw new Error(`deploy printed no address: ${deployed.out}`);
  const key = "11".repeat(32);
  const badModule = join(work, "bad.wasm");
  writeFileSync(badModule, Buffer.from("not a wasm module"));
  for (let round = 0; round < 6; round++) {
    // 200 lines of 32 bytes (hex): messages to hash, and leaves of a Merkle tree.
    const messages = Array.from({ length: 200 }, (_, i) => `${(round * 1000 + i).toString(16).padStart(64, "0")}\n`).join("");
    const steps = [
      ["hash", "--algo", "sha256"], ["hash", "--algo", "keccak256"],
      ["merkle", "build", "--scheme", "bitcoin"],
      ["exec", "--contract", contract, "--function", "increment", "--key", key],
    ];
    for (const args of steps) {
      const r = cli(args, messages);
      if (r.code !== 0) throw new Error(`chainaccel ${args.join(" ")}: exit ${r.code}: ${r.err}`);
    }
    // A request that fails (INVALID_ARGUMENT), for the error ratio.
    if (cli(["deploy", badModule]).code === 0) throw new Error("deploying a bad module succeeded");
    await sleep(1000);
  }
  await sleep(3000);  // three more scrapes and rule evaluations

  // The engines: GPU panels must have data where a GPU engine runs.
  gpuEngines.ok = (await query('chainaccel_engine_healthy{engine=~"gpu.*"}')).result.length > 0;

  const hasData = (data) => (data.result ?? []).some((s) => {
    const values = s.value ? [s.value] : (s.values ?? []);
    return values.some(([, v]) => v !== "NaN");
  });
  const check = async (key, expr) => {
    let data;
    try {
      data = await query(expr);
    } catch (e) {
      fail(`${key}: ${e.message}`);
      return;
    }
    const explanation = explained.get(key);
    const applies = explanation && explanation[1]();
    if (hasData(data)) {
      if (applies) fail(`${key}: has data now, though explained as empty ("${explanation[0]}"): drop the explanation`);
      else console.log(`ok ${key}`);
    } else if (applies) {
      console.log(`explained ${key}: ${explanation[0]}`);
    } else {
      fail(`${key}: no data for ${expr}`);
    }
  };

  // ---- the dashboard ----------------------------------------------------------------------
  const dashboard = JSON.parse(readFileSync(dashboardPath, "utf8"));
  const variables = {};
  const interpolate = (text) => text
    .replaceAll("$__rate_interval", "1m").replaceAll("$__interval", "15s")
    .replace(/\$\{?(\w+)\}?/g, (whole, name) => variables[name] ?? whole);
  // As Grafana's Prometheus data source escapes a multi-value variable's values: regex
  // metacharacters get a backslash, itself doubled inside the PromQL string.
  const escapeRegex = (s) => s.replace(/[\\^$.|?*+()[\]{}]/g, "\\\\$&");
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== "query") continue;
    const definition = interpolate(typeof v.query === "string" ? v.query : v.query.query);
    const m = definition.match(/^label_values\((.*),\s*(\w+)\)$/);
    if (!m) {
      fail(`variable ${v.name}: query ${definition} is not label_values(selector, label)`);
      continue;
    }
    const series = await api("series", { "match[]": m[1], start: String(Date.now() / 1000 - 600) });
    const values = [...new Set(series.map((s) => s[m[2]]).filter((x) => x !== undefined))].sort();
    if (values.length === 0) fail(`variable ${v.name}: ${definition} finds no values`);
    variables[v.name] = v.allValue ?? `(${values.map(escapeRegex).join("|")})`;
    console.log(`variable ${v.name} = ${variables[v.name]}`);
  }
  const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
  for (const panel of panels) {
    for (const [i, target] of (panel.targets ?? []).entries()) {
      if (!target.expr) continue;
      await check(`panel ${panel.title} #${i}`, interpolate(target.expr));
    }
  }
  const targetsUp = panels.find((p) => p.title === "Targets up");
  if (!targetsUp) {
    fail('the dashboard has no "Targets up" panel');
  } else {
    const down = await query('up{job="node"}');
    if (down.result.length !== 1 || down.result[0].value[1] !== "0") {
      fail(`the unrelated target is not there and down: ${JSON.stringify(down.result)}`);
    }
    // 1 when only chainacceld's target counts, 0.5 when the down target does too. A scrape
    // of the daemon that timed out on a loaded machine gives 0 for a second: ask again.
    let value;
    for (let i = 0; i < 10 && value !== "1"; i++) {
      if (i > 0) await sleep(500);
      value = (await query(interpolate(targetsUp.targets[0].expr))).result[0]?.value[1];
    }
    if (value !== "1") fail(`"Targets up" is ${value}, not 1: it counts targets that are not chainacceld's`);
    else console.log('ok "Targets up" is 1 with an unrelated target down');
  }

  // ---- the rules --------------------------------------------------------------------------
  const ruleFile = parseYaml(readFileSync(rulesPath, "utf8"));
  const fileRules = ruleFile.groups.flatMap((g) => g.rules);
  const loaded = (await api("rules")).groups.flatMap((g) => g.rules);
  for (const rule of fileRules) {
    const name = rule.alert ?? rule.record;
    const live = loaded.find((r) => r.name === name);
    if (!live) fail(`rule ${name}: not loaded by Prometheus`);
    else if (live.health !== "ok") fail(`rule ${name}: health ${live.health}: ${live.lastError}`);
    await check(`rule ${name}`, withoutThresholds(rule.expr));
  }
  // The down target is not chainacceld's: no rule may alert on it (ChainaccelDown's job
  // matcher). Other alerts are reported, not failed: a scrape that timed out on a loaded
  // machine makes ChainaccelDown pending for a moment.
  for (const a of (await api("alerts")).alerts) {
    if (a.labels.job === "node") fail(`${a.labels.alertname} is ${a.state} for the unrelated job: ${JSON.stringify(a.labels)}`);
    else console.log(`note: ${a.labels.alertname} is ${a.state}: ${JSON.stringify(a.labels)}`);
  }
}

// The expression with its thresholds taken off: a comparison with a number gives its
// other side, `and`/`or`/`unless` keep both sides (thresholds taken off each).
function withoutThresholds(expr) {
  const comparisons = new Set(["Gtr", "Lss", "Gte", "Lte", "EqlSingle", "Eql", "Neq"]);
  const numeric = (node) => node.name === "NumberDurationLiteral" || node.name === "NumberLiteral" ||
    (node.name === "ParenExpr" && numeric(node.firstChild));
  const children = (node) => {
    const out = [];
    for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  };
  const text = (node) => expr.slice(node.from, node.to);
  const strip = (node) => {
    if (node.name === "PromQL") return strip(node.firstChild);
    if (node.name === "ParenExpr") return `(${strip(children(node).find((c) => c.name !== "(" && c.name !== ")"))})`;
    if (node.name !== "BinaryExpr") return text(node);
    const parts = children(node);
    const lhs = parts[0];
    const rhs = parts[parts.length - 1];
    const op = parts[1];
    if (comparisons.has(op.name) && !parts.some((p) => p.name === "BoolModifier")) {
      if (numeric(rhs)) return strip(lhs);
      if (numeric(lhs)) return strip(rhs);
    }
    if (["And", "Or", "Unless"].includes(op.name)) {
      return `${strip(lhs)} ${expr.slice(lhs.to, rhs.from).trim()} ${strip(rhs)}`;
    }
    return text(node);
  };
  const tree = parser.parse(expr);
  let error = null;
  tree.iterate({ enter: (n) => { if (n.type.isError) error = n.from; } });
  if (error !== null) throw new Error(`cannot parse ${expr} at ${error}`);
  return strip(tree.topNode);
}

let exitCode = 0;
try {
  await main();
} catch (e) {
  fail(e.message);
}
await stopAll();
for (const { name, child, log } of children) {
  const { code, signal } = await child.exited;
  if (name === "chainacceld" && code !== 0) fail(`chainacceld exited with ${code ?? signal}`);
  if (failures.length > 0) process.stderr.write(`---- ${name} output ----\n${Buffer.concat(log).toString().slice(-4000)}\n`);
}
rmSync(work, { recursive: true, force: true });
if (failures.length > 0) exitCode = 1;
console.log(failures.length === 0 ? "all expressions checked" : `${failures.length} failures`);
process.exit(exitCode);
