// Validates chainacceld's Kubernetes manifests without a cluster.
//
//   cd deploy/kubernetes && npm ci && node validate.mjs              # every overlay
//   node validate.mjs FILE.yaml ...                                   # these files
//
// With no arguments it renders every kustomization here that is not a Component
// (overlays/sidecar, overlays/shared, overlays/gpu, monitoring) with `kustomize build`
// or, where there is no kustomize, `kubectl kustomize` (kustomize >= 4: kubectl >= 1.21):
// the kubectl that scripts/install-kubectl.sh puts in .tools/ first, then one on PATH.
// It checks what comes out; a rendering that fails is a failure. Without any of these
// tools it exits 77 (ctest: skipped). With files, it checks each file as it stands.
//
// Every object goes through four checks:
//   1. schema: the maintained models' validate(): kubernetes-models for the Kubernetes
//      kinds, @kubernetes-models/prometheus-operator (generated from the operator's CRDs)
//      for PodMonitor, ServiceMonitor and PrometheusRule: required fields, types, formats;
//   2. unknown fields: the same object as a TypeScript literal of the kind's interface,
//      so that a misspelt key (`readinesProbe`), which the JSON schema lets through as
//      the API server's non-strict mode would, is an error;
//   3. enums: the fields whose values the API server checks but the models' schemas
//      leave as plain strings (a container's `restartPolicy: Alwayz`), from the table
//      `enums` below;
//   4. consistency within a rendering (or file): selectors match pod labels, ConfigMaps,
//      volumes and named ports exist, probes ask declared ports of their own container,
//      the Prometheus port annotation names a declared container port, extended resources
//      (nvidia.com/gpu) request what they limit, the termination grace period exceeds
//      the preStop sleep plus chainacceld's shutdown_grace_seconds;
// and across the renderings: the PodMonitor selects every overlay's pods and finds its
// port in them, and the PrometheusRule holds exactly deploy/prometheus/alerts.yml.
// Exits 0 when every check passes, 1 otherwise, printing each failure as WHERE: ...
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import ts from "typescript";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { prometheusRule } from "./gen-prometheusrule.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const failures = [];
const fail = (where, message) => failures.push(`${where}: ${message}`);

// ---- inputs: {name, text} per rendering or file -------------------------------------------
const which = (name) => spawnSync("/bin/sh", ["-c", `command -v ${name}`]).stdout?.toString().trim() ?? "";
function renderer() {
  if (process.env.KUSTOMIZE) return [process.env.KUSTOMIZE, "build"];
  if (which("kustomize")) return ["kustomize", "build"];
  const pinned = join(here, ".tools", "kubectl");
  if (existsSync(pinned)) return [pinned, "kustomize"];
  if (which("kubectl")) return ["kubectl", "kustomize"];
  return null;
}
function kustomizations(dir) {
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (entry === "node_modules" || !statSync(path).isDirectory()) continue;
    const file = join(path, "kustomization.yaml");
    if (existsSync(file) && parseYaml(readFileSync(file, "utf8"))?.kind !== "Component") found.push(path);
    found.push(...kustomizations(path));
  }
  return found;
}

const units = [];
const fileArgs = process.argv.slice(2);
if (fileArgs.length > 0) {
  for (const f of fileArgs) units.push({ name: basename(f), text: readFileSync(resolve(f), "utf8") });
} else {
  const tool = renderer();
  if (!tool) {
    console.log("SKIP: neither kustomize nor kubectl (>= 1.21) is installed to render the overlays");
    process.exit(77);
  }
  for (const dir of kustomizations(here)) {
    const name = relative(here, dir);
    const r = spawnSync(tool[0], [tool[1], dir], { encoding: "utf8" });
    if (r.status !== 0) {
      fail(name, `${tool.join(" ")} failed (the overlays need kustomize >= 4, kubectl >= 1.21): ` +
        (r.stderr || r.error?.message || "").trim());
      continue;
    }
    units.push({ name, text: r.stdout });
  }
  console.log(`rendered ${units.length} kustomizations with ${tool.join(" ")}`);
  // The sources themselves: a duplicate key or a YAML error in a file that kustomize
  // read (and may have resolved one way or the other).
  const sources = (dir) => readdirSync(dir).sort().flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === "node_modules") return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
  for (const file of sources(here)) {
    parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true }).forEach((doc, index) => {
      for (const e of [...doc.errors, ...doc.warnings]) fail(`${relative(here, file)}#${index}`, `YAML: ${e.message}`);
    });
  }
}

// ---- parse: {unit, where, object} -----------------------------------------------------------
const docs = [];
for (const unit of units) {
  parseAllDocuments(unit.text, { uniqueKeys: true }).forEach((doc, index) => {
    const object = doc.toJS();
    const where = `${unit.name}#${index} ${object?.kind ?? ""} ${object?.metadata?.name ?? ""}`.trim();
    for (const e of [...doc.errors, ...doc.warnings]) fail(where, `YAML: ${e.message}`);
    if (object === null || object === undefined) return;  // an empty document
    docs.push({ unit: unit.name, where, object });
  });
}

// ---- 1. schema ------------------------------------------------------------------------------
// The module of a kind's model: kubernetes-models for Kubernetes' own groups, the
// operator's package for monitoring.coreos.com.
const modelModule = ({ apiVersion, kind }) => apiVersion.startsWith("monitoring.coreos.com/")
  ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
  : `kubernetes-models/${apiVersion}/${kind}`;
for (const d of docs) {
  const { apiVersion, kind } = d.object;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    fail(d.where, "no apiVersion or kind");
    continue;
  }
  let model;
  try {
    model = (await import(modelModule(d.object)))[kind];
  } catch {
    model = undefined;
  }
  if (typeof model !== "function") {
    fail(d.where, `unknown kind ${apiVersion} ${kind}`);
    continue;
  }
  d.known = true;
  try {
    new model(d.object).validate();
  } catch (e) {
    fail(d.where, `schema: ${e.message}`);
  }
}

// ---- 2. unknown fields ----------------------------------------------------------------------
{
  const sources = new Map();  // virtual file name -> {source, doc}
  for (const d of docs.filter((d) => d.known)) {
    const name = join(here, `__manifest_${sources.size}.ts`);
    const source =
      `import type { I${d.object.kind} } from "${modelModule(d.object)}";\n` +
      `export const manifest: I${d.object.kind} = ${JSON.stringify(d.object, null, 2)};\n`;
    sources.set(name, { source, doc: d });
  }
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    sources.has(name)
      ? ts.createSourceFile(name, sources.get(name).source, language)
      : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
  host.readFile = (name) => (sources.has(name) ? sources.get(name).source : readFile.call(host, name));
  const program = ts.createProgram([...sources.keys()], options, host);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const entry = diagnostic.file && sources.get(diagnostic.file.fileName);
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    if (!entry) {
      fail("typescript", message);
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const text = entry.source.split("\n")[line].trim();
    fail(entry.doc.where, `field: ${message} [at ${text}]`);
  }
}

// ---- 3. enums -------------------------------------------------------------------------------
// kubernetes-models' schemas carry the enums that the Kubernetes OpenAPI document lists
// ("Possible enum values"), and check them: imagePullPolicy, a Service's type and traffic
// policies, protocols, strategies, tolerations, seccomp profiles, access modes (each was
// tried with a bad value). The API server checks a few more fields that the document
// leaves as plain strings; those are listed here. Paths start at a pod spec; `*` is every
// element of a list.
const enums = [
  // A container's restartPolicy: "Always" makes an init container a native sidecar
  // (Kubernetes >= 1.29); regular containers take the pod's values (container restart
  // rules, Kubernetes >= 1.34).
  ["pod.initContainers.*.restartPolicy", ["Always"]],
  ["pod.containers.*.restartPolicy", ["Always", "OnFailure", "Never"]],
];
const podSpecOf = (object) =>
  object.kind === "Pod" ? object.spec
    : object.kind === "CronJob" ? object.spec?.jobTemplate?.spec?.template?.spec
      : object.spec?.template?.spec;
// Every value at `path` under `node`, with its path spelt out.
function at(node, path, prefix) {
  if (node === undefined || node === null) return [];
  if (path.length === 0) return [[prefix, node]];
  const [step, ...rest] = path;
  if (step === "*") {
    return Array.isArray(node) ? node.flatMap((v, i) => at(v, rest, `${prefix}[${i}]`)) : [];
  }
  return at(node[step], rest, `${prefix}.${step}`);
}
for (const d of docs) {
  for (const [path, allowed] of enums) {
    const [, ...rest] = path.split(".");
    for (const [where, value] of at(podSpecOf(d.object), rest, "pod")) {
      if (!allowed.includes(value)) fail(d.where, `${where}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
    }
  }
}

// ---- 4. consistency ---------------------------------------------------------------------------
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const workloadKinds = new Set(["Deployment", "DaemonSet", "StatefulSet"]);
const containersOf = (pod) => [...(pod.initContainers ?? []), ...(pod.containers ?? [])];

for (const unit of units) {
  const inUnit = docs.filter((d) => d.unit === unit.name);
  const ofKind = (kind) => inUnit.filter((d) => d.object.kind === kind);
  const configMaps = new Map(ofKind("ConfigMap").map((d) => [d.object.metadata?.name, d.object]));
  const workloads = inUnit.filter((d) => workloadKinds.has(d.object.kind));

  for (const w of workloads) {
    const spec = w.object.spec ?? {};
    const pod = spec.template?.spec ?? {};
    const labels = spec.template?.metadata?.labels ?? {};
    const annotations = spec.template?.metadata?.annotations ?? {};
    const containers = containersOf(pod);
    const ports = containers.flatMap((c) => c.ports ?? []);

    if (!matches(spec.selector?.matchLabels, labels)) {
      fail(w.where, "spec.selector.matchLabels does not match the pod template's labels");
    }
    for (const v of pod.volumes ?? []) {
      if (v.configMap && !configMaps.has(v.configMap.name)) {
        fail(w.where, `volume ${v.name}: ConfigMap ${v.configMap.name} is not in this rendering`);
      }
    }
    const mountedVolumes = new Set(containers.flatMap((c) => (c.volumeMounts ?? []).map((m) => m.name)));
    for (const v of pod.volumes ?? []) {
      if (!mountedVolumes.has(v.name)) fail(w.where, `volume ${v.name} is mounted by no container`);
    }
    for (const c of containers) {
      for (const m of c.volumeMounts ?? []) {
        if (!(pod.volumes ?? []).some((v) => v.name === m.name)) {
          fail(w.where, `container ${c.name} mounts ${m.name}, which is no volume`);
        }
      }
      // Probes ask a port of their own container: a number it declares, or a name it gives.
      for (const probeName of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const probe = c[probeName];
        if (!probe) continue;
        for (const handler of ["httpGet", "tcpSocket", "grpc"]) {
          const port = probe[handler]?.port;
          if (port === undefined) continue;
          const declared = (c.ports ?? []).some((p) =>
            typeof port === "number" ? p.containerPort === port : p.name === port);
          if (!declared) {
            fail(w.where, `container ${c.name}: ${probeName}.${handler}.port ${port} is no port the container declares`);
          }
        }
      }
      // Extended resources (nvidia.com/gpu) cannot be overcommitted: a request must equal
      // the limit, and a request without a limit is refused.
      for (const [name, value] of Object.entries(c.resources?.requests ?? {})) {
        if (name.includes("/") && String(c.resources?.limits?.[name]) !== String(value)) {
          fail(w.where, `container ${c.name}: requests ${name}: ${value} without the same limit`);
        }
      }
    }
    if (annotations["prometheus.io/scrape"] === "true") {
      const port = Number(annotations["prometheus.io/port"]);
      if (!ports.some((p) => p.containerPort === port)) {
        fail(w.where, `prometheus.io/port ${annotations["prometheus.io/port"]} is no declared containerPort`);
      }
    }
    // chainacceld's shutdown grace, from the config file its ConfigMap mounts.
    for (const c of containers.filter((c) => c.name === "chainacceld")) {
      const configMount = (c.volumeMounts ?? []).find((m) => m.mountPath === "/etc/chainaccel");
      const volume = (pod.volumes ?? []).find((v) => v.name === configMount?.name);
      const configText = configMaps.get(volume?.configMap?.name)?.data?.["chainacceld.yaml"];
      if (configText === undefined) {
        fail(w.where, "container chainacceld mounts no chainacceld.yaml at /etc/chainaccel");
        continue;
      }
      let config;
      try {
        config = parseYaml(configText, { uniqueKeys: true }) ?? {};
      } catch (e) {
        fail(w.where, `chainacceld.yaml of its ConfigMap: ${e.message.split("\n")[0]}`);
        continue;
      }
      const grace = config.shutdown_grace_seconds ?? 30;
      const preStop = Number(c.lifecycle?.preStop?.exec?.command?.[0] === "sleep"
        ? c.lifecycle.preStop.exec.command[1] : 0);
      const budget = pod.terminationGracePeriodSeconds ?? 30;
      if (!(budget > grace + preStop)) {
        fail(w.where, `terminationGracePeriodSeconds ${budget} <= preStop ${preStop} s + shutdown_grace_seconds ${grace}`);
      }
    }
  }

  const podsSelectedBy = (selector) =>
    workloads.filter((w) => matches(selector, w.object.spec?.template?.metadata?.labels));
  const portNames = (w) =>
    new Set(containersOf(w.object.spec?.template?.spec ?? {}).flatMap((c) => (c.ports ?? []).map((p) => p.name)));

  for (const s of ofKind("Service")) {
    const selected = podsSelectedBy(s.object.spec?.selector);
    if (selected.length === 0) fail(s.where, "selects no workload's pods in this rendering");
    for (const p of s.object.spec?.ports ?? []) {
      if (typeof p.targetPort === "string" && !selected.every((w) => portNames(w).has(p.targetPort))) {
        fail(s.where, `targetPort ${p.targetPort} is no named container port`);
      }
    }
  }
  for (const n of ofKind("NetworkPolicy")) {
    const selected = podsSelectedBy(n.object.spec?.podSelector?.matchLabels);
    if (selected.length === 0) fail(n.where, "selects no workload's pods in this rendering");
    for (const rule of n.object.spec?.ingress ?? []) {
      for (const p of rule.ports ?? []) {
        if (typeof p.port === "string" && !selected.every((w) => portNames(w).has(p.port))) {
          fail(n.where, `port ${p.port} is no named container port`);
        }
      }
    }
  }
  for (const b of ofKind("PodDisruptionBudget")) {
    if (podsSelectedBy(b.object.spec?.selector?.matchLabels).length === 0) {
      fail(b.where, "selects no workload's pods in this rendering");
    }
  }
}

// ---- across the renderings: the Prometheus Operator's objects -------------------------------
if (fileArgs.length === 0) {
  const workloads = docs.filter((d) => workloadKinds.has(d.object.kind));
  const podMonitors = docs.filter((d) => d.object.kind === "PodMonitor");
  if (podMonitors.length === 0) fail("monitoring", "no PodMonitor");
  for (const m of podMonitors) {
    const endpoints = (m.object.spec?.podMetricsEndpoints ?? []).map((e) => e.port);
    for (const w of workloads) {
      const labels = w.object.spec?.template?.metadata?.labels;
      if (!matches(m.object.spec?.selector?.matchLabels, labels)) {
        fail(m.where, `does not select the pods of ${w.where}`);
        continue;
      }
      const names = containersOf(w.object.spec?.template?.spec ?? {}).flatMap((c) => (c.ports ?? []).map((p) => p.name));
      for (const port of endpoints) {
        if (!names.includes(port)) fail(m.where, `port ${port} is not a named port of ${w.where}`);
      }
      const jobLabel = m.object.spec?.jobLabel;
      if (jobLabel && !/^chainaccel/.test(labels?.[jobLabel] ?? "")) {
        fail(m.where, `jobLabel ${jobLabel} gives ${w.where} the job ${labels?.[jobLabel]}, which the rules' job=~"chainaccel.*" misses`);
      }
    }
  }
  const rules = docs.filter((d) => d.object.kind === "PrometheusRule");
  if (rules.length !== 1) fail("monitoring", `${rules.length} PrometheusRules, not 1`);
  for (const r of rules) {
    if (!isDeepStrictEqual(r.object.spec, prometheusRule().spec)) {
      fail(r.where, "differs from deploy/prometheus/alerts.yml: run `node gen-prometheusrule.mjs`");
    }
  }
}

// ---- report ---------------------------------------------------------------------------------
for (const f of failures) console.error(f);
console.log(`${docs.length} objects in ${units.length} ${fileArgs.length ? "files" : "renderings"}: ` +
  (failures.length === 0 ? "all checks passed" : `${failures.length} failures`));
process.exit(failures.length === 0 ? 0 : 1);
