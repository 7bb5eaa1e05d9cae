// Validates the Kubernetes manifests in this folder without a cluster.
//
//   cd deploy/kubernetes && npm ci && node validate.mjs [FILE.yaml ...]
//
// Every document of every *.yaml here (or of the files named) goes through three checks:
//   1. schema: kubernetes-models' validate(), the Kubernetes OpenAPI schema of its kind
//      (required fields, types, formats, enums);
//   2. unknown fields: the same object as a TypeScript literal of the kind's interface,
//      so that a misspelt key (`readinesProbe`), which the JSON schema lets through as
//      the API server's non-strict mode would, is an error;
//   3. consistency within the file: selectors match the pod labels, ConfigMaps named by
//      volumes exist, named ports exist, the Prometheus port annotation names a declared
//      container port, and terminationGracePeriodSeconds exceeds chainacceld's
//      shutdown_grace_seconds.
// Exits 0 when every check passes, 1 otherwise, printing each failure as FILE#DOC: ...
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { parseAllDocuments, parse as parseYaml } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const files = process.argv.length > 2
  ? process.argv.slice(2).map((f) => resolve(f))
  : readdirSync(here).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(here, f));

const failures = [];
const fail = (where, message) => failures.push(`${where}: ${message}`);

// ---- parse -------------------------------------------------------------------------------
// {file, index, where, object}
const docs = [];
for (const file of files) {
  const parsed = parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true });
  if (!Array.isArray(parsed)) {
    fail(basename(file), "not a YAML stream");
    continue;
  }
  parsed.forEach((doc, index) => {
    const where = `${basename(file)}#${index}`;
    for (const e of [...doc.errors, ...doc.warnings]) fail(where, `YAML: ${e.message}`);
    const object = doc.toJS();
    if (object === null || object === undefined) return;  // an empty document
    docs.push({ file, index, where, object });
  });
}

// ---- 1. schema ---------------------------------------------------------------------------
for (const d of docs) {
  const { apiVersion, kind } = d.object;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    fail(d.where, "no apiVersion or kind");
    continue;
  }
  let model;
  try {
    model = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind];
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
    fail(d.where, `schema (${kind} ${d.object.metadata?.name}): ${e.message}`);
  }
}

// ---- 2. unknown fields -------------------------------------------------------------------
{
  const sources = new Map();  // virtual file name -> {source, doc}
  for (const d of docs.filter((d) => d.known)) {
    const { apiVersion, kind } = d.object;
    const name = join(here, `__manifest_${sources.size}.ts`);
    const source =
      `import type { I${kind} } from "kubernetes-models/${apiVersion}/${kind}";\n` +
      `export const manifest: I${kind} = ${JSON.stringify(d.object, null, 2)};\n`;
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
    fail(entry.doc.where, `field (${entry.doc.object.kind} ${entry.doc.object.metadata?.name}): ${message} [at ${text}]`);
  }
}

// ---- 3. consistency ----------------------------------------------------------------------
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

for (const file of files) {
  const inFile = docs.filter((d) => d.file === file);
  const ofKind = (kind) => inFile.filter((d) => d.object.kind === kind);
  const configMaps = new Map(ofKind("ConfigMap").map((d) => [d.object.metadata?.name, d.object]));
  const workloads = ofKind("Deployment");

  for (const w of workloads) {
    const spec = w.object.spec ?? {};
    const pod = spec.template?.spec ?? {};
    const labels = spec.template?.metadata?.labels ?? {};
    const annotations = spec.template?.metadata?.annotations ?? {};
    const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
    const ports = containers.flatMap((c) => c.ports ?? []);

    if (!matches(spec.selector?.matchLabels, labels)) {
      fail(w.where, "spec.selector.matchLabels does not match the pod template's labels");
    }
    for (const v of pod.volumes ?? []) {
      if (v.configMap && !configMaps.has(v.configMap.name)) {
        fail(w.where, `volume ${v.name}: ConfigMap ${v.configMap.name} is not in this file`);
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
      const config = parseYaml(configText) ?? {};
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
  const portNames = (w) => {
    const pod = w.object.spec?.template?.spec ?? {};
    return new Set([...(pod.initContainers ?? []), ...(pod.containers ?? [])]
      .flatMap((c) => (c.ports ?? []).map((p) => p.name)));
  };

  for (const s of ofKind("Service")) {
    const selected = podsSelectedBy(s.object.spec?.selector);
    if (selected.length === 0) fail(s.where, "selects no Deployment's pods in this file");
    for (const p of s.object.spec?.ports ?? []) {
      if (typeof p.targetPort === "string" && !selected.every((w) => portNames(w).has(p.targetPort))) {
        fail(s.where, `targetPort ${p.targetPort} is no named container port`);
      }
    }
  }
  for (const n of ofKind("NetworkPolicy")) {
    const selected = podsSelectedBy(n.object.spec?.podSelector?.matchLabels);
    if (selected.length === 0) fail(n.where, "selects no Deployment's pods in this file");
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
      fail(b.where, "selects no Deployment's pods in this file");
    }
  }
}

// ---- report ------------------------------------------------------------------------------
for (const f of failures) console.error(f);
console.log(`${docs.length} objects in ${files.length} files: ` +
  (failures.length === 0 ? "all checks passed" : `${failures.length} failures`));
process.exit(failures.length === 0 ? 0 : 1);
