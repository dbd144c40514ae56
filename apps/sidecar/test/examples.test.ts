// docker/Dockerfile is clean under dockerfilelint and has the shape the README promises; the
// Kubernetes and ECS examples in examples/ are valid YAML/JSON whose agent settings parse cleanly.
// Every health check that restarts or replaces the agent is liveness (`/v1/health`, `healthcheck
// --live`), never readiness: an outage of the source must not become restarts (issue 17 item 1);
// and each example keeps the last good artifact on a volume that outlives a container restart.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '@clef-sh/agent-core'
import { createAgeKey } from '@clef-sh/testing'
import SEA_NODE from '../../../scripts/sea-node.json' with { type: 'json' }
import { envOf, loadKubernetes, root, text, type EnvVar, type PodSpec } from './k8s-example.ts'

describe('docker/Dockerfile', () => {
  it('is clean under dockerfilelint', async () => {
    const { stdout } = await promisify(execFile)(root('node_modules/.bin/dockerfilelint'), [
      '-o',
      'json',
      root('docker/Dockerfile'),
    ])
    expect(JSON.parse(stdout)).toMatchObject({ totalIssues: 0 })
  })

  it('builds in a Node 24 stage and runs the binary as nonroot on distroless, exposing no port', async () => {
    const lines = (await text('docker/Dockerfile')).split('\n').filter((l) => !l.startsWith('#'))
    const froms = lines.filter((l) => l.startsWith('FROM '))
    expect(froms).toHaveLength(2)
    // The build stage runs the Node line the executables are pinned to (Node 24 LTS).
    const [major, minor] = SEA_NODE.version.split('.')
    expect(major).toBe('24')
    expect(froms[0]).toMatch(new RegExp(`^FROM node:${major}\\.${minor}[\\w.-]* AS build$`))
    expect(froms[1]).toMatch(/^FROM gcr\.io\/distroless\/[\w-]+:nonroot$/)
    const final = lines.slice(lines.indexOf(froms[1] ?? ''))
    expect(final).toContain('USER 65532:65532')
    // The API is loopback-only: an EXPOSE would suggest it can be reached from outside the pod.
    expect(final.filter((l) => l.startsWith('EXPOSE'))).toEqual([])
    // Liveness: an orchestrator replaces an unhealthy container, which must not follow an outage.
    expect(final.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(
      /CMD \["\/usr\/local\/bin\/clef-agent", "healthcheck", "--live"\]$/,
    )
    // The disk cache's directory, owned by nonroot, as a volume (ECS copies it into the task volume).
    expect(final).toContain('COPY --from=build --chown=65532:65532 /out/var/cache/clef /var/cache/clef')
    expect(final).toContain('VOLUME ["/var/cache/clef"]')
    expect(final).toContain('ENTRYPOINT ["/usr/local/bin/clef-agent"]')
  })
})

describe('examples/sidecar-kubernetes/sidecar.yaml', () => {
  it('runs the agent as a native sidecar next to the app, sharing the token through a memory volume', async () => {
    const docs = await loadKubernetes()
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Secret', 'Deployment'])
    const pod = docs[2]?.spec?.template.spec as PodSpec
    const [agent] = pod.initContainers
    const app = pod.containers.find((c) => c.name === 'app')
    expect(agent?.restartPolicy).toBe('Always')
    expect(pod.volumes.find((v) => v.name === 'clef-token')?.emptyDir).toEqual({
      medium: 'Memory',
      sizeLimit: '1Mi',
    })
    const env = envOf(agent)
    expect(agent?.volumeMounts).toContainEqual({ name: 'clef-token', mountPath: '/run/clef' })
    expect(env['CLEF_AGENT_TOKEN_FILE']).toBe('/run/clef/token')
    expect(app?.volumeMounts).toContainEqual({ name: 'clef-token', mountPath: '/run/clef', readOnly: true })
    expect(app?.command?.join(' ')).toContain('$(cat /run/clef/token)')
    // kubelet probes the pod IP: they go to the probe listener, never to the secrets port.
    const probe = agent?.ports?.find((p) => p.name === 'probe')
    expect(String(probe?.containerPort)).toBe(env['CLEF_AGENT_PROBE_PORT'])
    expect(agent?.startupProbe?.httpGet).toEqual({ path: '/v1/ready', port: 'probe' })
    expect(agent?.readinessProbe?.httpGet).toEqual({ path: '/v1/ready', port: 'probe' })
  })

  it('restarts the agent on liveness only, and keeps the last good artifact on a pod volume', async () => {
    const docs = await loadKubernetes()
    const pod = docs[2]?.spec?.template.spec as PodSpec
    const [agent] = pod.initContainers
    // Liveness: /v1/health on the probe port, never /v1/ready (nor the readiness exec form).
    expect(agent?.livenessProbe?.httpGet).toEqual({ path: '/v1/health', port: 'probe' })
    expect(agent?.livenessProbe?.exec).toBeUndefined()
    const env = envOf(agent)
    const cache = env['CLEF_AGENT_CACHE_PATH'] ?? ''
    const mount = agent?.volumeMounts?.find((m) => cache.startsWith(`${m.mountPath}/`))
    expect(mount?.readOnly).toBeUndefined()
    // An emptyDir outlives container restarts; Memory, as a disk-backed one is writable by all.
    expect(pod.volumes.find((v) => v.name === mount?.name)?.emptyDir?.medium).toBe('Memory')
    // Only the agent mounts it: the app never sees even the encrypted artifact.
    expect(pod.containers.flatMap((c) => c.volumeMounts ?? []).map((m) => m.name)).not.toContain(mount?.name)
    expect(Number(env['CLEF_AGENT_STALE_IF_ERROR'])).toBeGreaterThanOrEqual(600)
  })

  it('gives the agent a configuration without issues, with the demo artifact and key', async () => {
    const docs = await loadKubernetes()
    const env = envOf(docs[2]?.spec?.template.spec.initContainers[0])
    expect(parseConfig(env)).toMatchObject({ ok: true })
    expect(docs[0]?.data?.['artifact.json']?.trim()).toBe((await text('examples/demo/artifact.json')).trim())
    expect(docs[1]?.stringData?.['age.key']?.trim()).toBe((await text('examples/demo/demo.agekey')).trim())
  })
})

describe('examples/sidecar-ecs/task-definition.json', () => {
  it('is a Fargate task where the app waits for a healthy agent on the shared loopback', async () => {
    const task = JSON.parse(await text('examples/sidecar-ecs/task-definition.json')) as {
      networkMode: string
      containerDefinitions: {
        name: string
        environment: EnvVar[]
        secrets?: { name: string; valueFrom: string }[]
        healthCheck?: { command: string[] }
        dependsOn?: { containerName: string; condition: string }[]
        user?: string
      }[]
    }
    // awsvpc: the containers of a task share one network namespace, so 127.0.0.1 reaches the agent.
    expect(task.networkMode).toBe('awsvpc')
    const [agent, , app] = task.containerDefinitions
    expect(agent?.name).toBe('clef-agent')
    expect(agent?.user).toBe('65532:65532')
    expect(app?.dependsOn).toContainEqual({ containerName: 'clef-agent', condition: 'HEALTHY' })
    const token = (c: typeof agent) => c?.secrets?.find((s) => s.name.endsWith('TOKEN'))?.valueFrom
    expect(token(app)).toBe(token(agent))
    const key = await createAgeKey()
    const env: Record<string, string | undefined> = {}
    for (const e of agent?.environment ?? []) env[e.name] = e.value
    for (const s of agent?.secrets ?? [])
      env[s.name] = s.name === 'CLEF_AGENT_AGE_KEY' ? key.identity : 'from-secrets-manager'
    expect(parseConfig(env)).toMatchObject({ ok: true })
  })
})

describe('examples/sidecar-ecs/task-definition.json: liveness, the start-up gate, the disk cache', () => {
  interface EcsContainer {
    name: string
    image: string
    essential: boolean
    command?: string[]
    environment?: EnvVar[]
    healthCheck?: { command: string[] }
    dependsOn?: { containerName: string; condition: string }[]
    mountPoints?: { sourceVolume: string; containerPath: string }[]
    restartPolicy?: { enabled: boolean }
  }
  const load = async () =>
    JSON.parse(await text('examples/sidecar-ecs/task-definition.json')) as {
      containerDefinitions: EcsContainer[]
      volumes: { name: string; host?: unknown; efsVolumeConfiguration?: unknown }[]
    }

  it('replaces the agent on liveness only; the app starts once a readiness gate succeeded', async () => {
    const task = await load()
    const byName = (n: string) => task.containerDefinitions.find((c) => c.name === n)
    const agent = byName('clef-agent')
    // ECS replaces a task whose essential container is UNHEALTHY: the health check is liveness.
    expect(agent?.healthCheck?.command).toEqual(['CMD', '/usr/local/bin/clef-agent', 'healthcheck', '--live'])
    // HEALTHY is checked only at start-up, and with liveness it means "answers", not "loaded":
    // readiness gates the app through a container that waits for /v1/ready and exits 0.
    const gate = task.containerDefinitions.find((c) => c.command?.[0] === 'healthcheck')
    expect(gate).toMatchObject({ image: agent?.image, essential: false })
    expect(gate?.command).not.toContain('--live')
    expect(gate?.command).toContain('--wait')
    expect(gate?.dependsOn).toEqual([{ containerName: 'clef-agent', condition: 'START' }])
    const app = byName('app')
    expect(app?.dependsOn).toContainEqual({ containerName: gate?.name, condition: 'SUCCESS' })
  })

  it('keeps the last good artifact on a task volume and restarts the agent in place', async () => {
    const task = await load()
    const agent = task.containerDefinitions.find((c) => c.name === 'clef-agent')
    const env = Object.fromEntries((agent?.environment ?? []).map((e) => [e.name, e.value]))
    const cache = env['CLEF_AGENT_CACHE_PATH'] ?? ''
    const mount = agent?.mountPoints?.find((m) => cache.startsWith(`${m.containerPath}/`))
    // A task volume (no host path, no EFS): it lives as long as the task, across container restarts.
    expect(task.volumes.find((v) => v.name === mount?.sourceVolume)).toEqual({ name: mount?.sourceVolume })
    // The image's VOLUME at the same path gives nonroot the directory (docker/Dockerfile).
    expect(await text('docker/Dockerfile')).toContain(`VOLUME ["${mount?.containerPath ?? ''}"]`)
    expect(agent?.restartPolicy?.enabled).toBe(true)
    expect(Number(env['CLEF_AGENT_STALE_IF_ERROR'])).toBeGreaterThanOrEqual(600)
  })
})
