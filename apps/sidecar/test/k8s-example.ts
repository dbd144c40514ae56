// The Kubernetes example as typed data, for the tests that check it and the one that runs it.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { parseAllDocuments } from 'yaml'

/** Absolute path of `p`, relative to the repository root. */
export const root = (p: string): string => fileURLToPath(new URL(`../../../${p}`, import.meta.url))
/** The text of a repository file. */
export const text = (p: string): Promise<string> => readFile(root(p), 'utf8')

export interface EnvVar {
  name: string
  value?: string
}
export interface Container {
  name: string
  image: string
  restartPolicy?: string
  env?: EnvVar[]
  command?: string[]
  ports?: { name: string; containerPort: number }[]
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[]
  startupProbe?: Probe
  readinessProbe?: Probe
  livenessProbe?: Probe
}
export interface Probe {
  httpGet?: { path: string; port: string }
  exec?: { command: string[] }
  periodSeconds?: number
  failureThreshold?: number
}
export interface PodSpec {
  initContainers: Container[]
  containers: Container[]
  volumes: { name: string; emptyDir?: { medium?: string } }[]
}
export interface K8sDoc {
  kind: string
  metadata: { name: string }
  data?: Record<string, string>
  stringData?: Record<string, string>
  spec?: { template: { spec: PodSpec } }
}

/** The documents of examples/sidecar-kubernetes/sidecar.yaml. */
export const loadKubernetes = async (): Promise<K8sDoc[]> => {
  const docs = parseAllDocuments(await text('examples/sidecar-kubernetes/sidecar.yaml'))
  for (const doc of docs) expect(doc.errors).toEqual([])
  return docs.map((d) => d.toJS() as K8sDoc)
}

/** The `name: value` environment of a container. */
export const envOf = (c: Container | undefined): Record<string, string | undefined> =>
  Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]))
