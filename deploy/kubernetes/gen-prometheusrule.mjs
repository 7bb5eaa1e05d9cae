// Writes monitoring/prometheusrule.yaml: the groups of deploy/prometheus/alerts.yml as a
// PrometheusRule of the Prometheus Operator.
//
//   cd deploy/kubernetes && node gen-prometheusrule.mjs
//
// validate.mjs checks that the file holds exactly alerts.yml's groups.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
export const alertsPath = join(here, "../prometheus/alerts.yml");
export const rulePath = join(here, "monitoring/prometheusrule.yaml");

export function prometheusRule() {
  const { groups } = parse(readFileSync(alertsPath, "utf8"));
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "chainaccel",
      labels: { "app.kubernetes.io/name": "chainacceld", "app.kubernetes.io/part-of": "chainaccel" },
    },
    spec: { groups },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const header =
    "# Generated from deploy/prometheus/alerts.yml by deploy/kubernetes/gen-prometheusrule.mjs:\n" +
    "# edit alerts.yml, then run `node gen-prometheusrule.mjs` in deploy/kubernetes.\n" +
    "# Your Prometheus must select it (ruleSelector, ruleNamespaceSelector; kube-prometheus-stack\n" +
    "# wants the label `release: <its release name>` unless told otherwise).\n";
  writeFileSync(rulePath, header + stringify(prometheusRule(), { lineWidth: 0 }));
  console.log(`wrote ${rulePath}`);
}
