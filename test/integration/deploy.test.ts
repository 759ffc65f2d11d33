// The container image and the Kubernetes manifests, checked as far as a machine without a Docker
// engine or a cluster can: the manifests parse and point their probes at the paths and ports the
// gateway serves; a gateway given the manifests' files, environment and mount layout answers the
// probes and reloads a route when its ConfigMap changes; the Dockerfile's steps, run as shell
// commands in a temporary directory, give a gateway that starts and passes the HEALTHCHECK.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { mapped, parseDockerfile, runDockerfile } from '../fixtures/dockerfile.js';
import { eventually } from '../fixtures/gateway.js';
import { startGatewayProcess } from '../fixtures/gateway-process.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const kubernetes = join(root, 'deploy/kubernetes');

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, unknown>;
}

interface Probe {
  httpGet?: { path: string; port: string | number };
}

interface Container {
  image: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value: string }[];
  envFrom: { secretRef: { name: string } }[];
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
  volumeMounts: { name: string; mountPath: string }[];
}

interface PodSpec {
  containers: Container[];
  volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
  securityContext: { runAsNonRoot: boolean };
  terminationGracePeriodSeconds: number;
}

async function manifests(): Promise<Manifest[]> {
  const kustomization = (await readYaml('kustomization.yaml'))[0] as unknown as { resources: string[] };
  const listed = await Promise.all(kustomization.resources.map(readYaml));
  return [...listed.flat(), ...(await readYaml('redis.yaml'))];
}

async function readYaml(file: string): Promise<Manifest[]> {
  const documents = parseAllDocuments(await readFile(join(kubernetes, file), 'utf8'));
  return documents.map((document) => {
    assert.deepEqual(document.errors, [], `${file} parses`);
    return document.toJS() as Manifest;
  });
}

function named(all: readonly Manifest[], kind: string, name: string): Manifest {
  const found = all.find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `${kind} ${name} is in the manifests`);
  return found;
}

function tollgatePod(all: readonly Manifest[]): { pod: PodSpec; container: Container } {
  const spec = named(all, 'Deployment', 'tollgate').spec as { template: { spec: PodSpec } };
  const pod = spec.template.spec;
  return { pod, container: pod.containers[0]! };
}

/** The port a `&{name|default}` token gives when nothing sets it. */
function defaultPort(value: unknown): number {
  const match = typeof value === 'string' ? /\|(\d+)}$/.exec(value) : null;
  return match ? Number(match[1]) : Number(value);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}

/** Writes ConfigMap data as the kubelet mounts it: files linked through `..data`, swapped atomically. */
async function mountConfigMap(
  directory: string,
  data: Record<string, string>,
  version: string,
): Promise<void> {
  await mkdir(join(directory, `..${version}`), { recursive: true });
  for (const [file, text] of Object.entries(data))
    await writeFile(join(directory, `..${version}`, file), text);
  await symlink(`..${version}`, join(directory, '..data_tmp'));
  await rename(join(directory, '..data_tmp'), join(directory, '..data'));
  for (const file of Object.keys(data)) {
    await symlink(join('..data', file), join(directory, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

async function adminPortOf(output: () => string): Promise<number> {
  let port = 0;
  await eventually(() => {
    const match =
      /"url":"http:\/\/127\.0\.0\.1:(\d+)","listening":"[^"]+","msg":"tollgate admin endpoints are listening"/.exec(
        output(),
      );
    assert.ok(match, 'the admin connector is listening');
    port = Number(match[1]);
  });
  return port;
}

test('the manifests parse, and every probe is a health path on the port of the admin connector', async () => {
  const all = await manifests();
  const { pod, container } = tollgatePod(all);
  const adminJson = JSON.parse(named(all, 'ConfigMap', 'tollgate-config').data!['admin.json']!) as {
    connectors: { port: unknown }[];
    adminConnector: { port: unknown };
  };
  assert.deepEqual(
    adminJson,
    JSON.parse(await readFile(join(root, 'deploy/config/admin.json'), 'utf8')),
    'the image and the ConfigMap agree',
  );
  const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
  assert.equal(ports.http, defaultPort(adminJson.connectors[0]!.port));
  assert.equal(ports.admin, defaultPort(adminJson.adminConnector.port));
  assert.deepEqual(
    [container.startupProbe, container.readinessProbe, container.livenessProbe].map((p) => [
      p.httpGet?.path,
      p.httpGet?.port,
    ]),
    [
      ['/health/startup', 'admin'],
      ['/health/ready', 'admin'],
      ['/health/live', 'admin'],
    ],
  );
  const service = named(all, 'Service', 'tollgate').spec as { ports: { targetPort: string }[] };
  assert.deepEqual(
    service.ports.map((p) => ports[p.targetPort] !== undefined),
    [true],
  );
  assert.equal(pod.securityContext.runAsNonRoot, true);
  const dockerfile = parseDockerfile(await readFile(join(root, 'Dockerfile'), 'utf8'));
  const env = Object.fromEntries(
    dockerfile
      .filter((i) => i.keyword === 'ENV')
      .flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])),
  );
  const mounts = Object.fromEntries(container.volumeMounts.map((m) => [m.name, m.mountPath]));
  assert.equal(mounts.config, env.TOLLGATE_CONFIG_DIR);
  assert.equal(mounts.routes, env.TOLLGATE_ROUTES_DIR);
  for (const volume of pod.volumes) {
    if (volume.configMap) named(all, 'ConfigMap', volume.configMap.name);
    if (volume.secret) named(all, 'Secret', volume.secret.secretName);
  }
  for (const { secretRef } of container.envFrom) named(all, 'Secret', secretRef.name);
  named(all, 'Service', 'tollgate-redis');
});

test('a gateway given the manifests’ files, environment and mounts answers its probes and reloads an updated ConfigMap', async (t) => {
  const all = await manifests();
  const { pod, container } = tollgatePod(all);
  const work = await mkdtemp(join(tmpdir(), 'tollgate-k8s-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const mounts = Object.fromEntries(container.volumeMounts.map((m) => [m.name, join(work, m.mountPath)]));
  const configMapOf = (volume: string): Record<string, string> => {
    const name = pod.volumes.find((v) => v.name === volume)!.configMap!.name;
    return named(all, 'ConfigMap', name).data!;
  };
  await mountConfigMap(mounts.config!, configMapOf('config'), 'v1');
  const routes = configMapOf('routes');
  await mountConfigMap(mounts.routes!, routes, 'v1');
  const secrets = Object.fromEntries(
    container.envFrom.flatMap(({ secretRef }) =>
      Object.entries(named(all, 'Secret', secretRef.name).stringData ?? {}),
    ),
  );
  const gateway = await startGatewayProcess(['--host', '127.0.0.1'], {
    ...process.env,
    ...Object.fromEntries(container.env.map((e) => [e.name, e.value])),
    ...secrets,
    TOLLGATE_CONFIG_DIR: mounts.config,
    TOLLGATE_ROUTES_DIR: mounts.routes,
    TOLLGATE_PORT: '0',
    TOLLGATE_ADMIN_PORT: '0',
  });
  t.after(() => gateway.stop());
  assert.match(gateway.output(), /"routesLoaded":1,"routesFailed":0/);
  const admin = await adminPortOf(() => gateway.output());
  for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
    const response = await fetch(`http://127.0.0.1:${admin}${probe.httpGet!.path}`);
    assert.equal(response.status, 200, probe.httpGet!.path);
  }
  const annotations = (
    named(all, 'Deployment', 'tollgate').spec as {
      template: { metadata: { annotations: Record<string, string> } };
    }
  ).template.metadata.annotations;
  const metrics = await fetch(`http://127.0.0.1:${admin}${annotations['prometheus.io/path']}`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /^# HELP /m);

  const [file, text] = Object.entries(routes)[0]!;
  await mountConfigMap(mounts.routes!, { [file]: text.replace("'^/api/'", "'^/api/v2/'") }, 'v2');
  await eventually(() => assert.match(gateway.output(), /"msg":"route reloaded"/), 15_000);
  assert.deepEqual(
    (await readdir(mounts.routes!)).filter((name) => !name.startsWith('..')),
    Object.keys(routes),
  );
  assert.equal(await gateway.stop(), 0);
});

test('the Dockerfile’s steps, run in a temporary directory, give a gateway that starts and passes the HEALTHCHECK', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'tollgate-image-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const stages = await runDockerfile(
    parseDockerfile(await readFile(join(root, 'Dockerfile'), 'utf8')),
    root,
    work,
    {
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    },
  );
  const image = stages.at(-1)!;
  assert.ok(image.user && !['root', '0'].includes(image.user), 'the image runs as a user other than root');
  assert.deepEqual(image.exposed, [8080, 8085]);
  const app = join(image.root, image.workdir);
  assert.deepEqual(
    (await readdir(join(app, 'node_modules'))).filter((name) =>
      ['typescript', 'eslint', 'oidc-provider'].includes(name),
    ),
    [],
    'no development dependency is installed',
  );
  await mkdir(join(image.root, 'etc/tollgate/routes'), { recursive: true });
  await writeFile(
    join(image.root, 'etc/tollgate/routes/hello.json'),
    JSON.stringify({
      name: 'hello',
      handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'hello' } },
    }),
  );
  const adminPort = String(await freePort());
  const env = { ...process.env, ...mapped(image), TOLLGATE_PORT: '0', TOLLGATE_ADMIN_PORT: adminPort };
  const [command, ...args] = image.cmd!;
  assert.equal(command, 'node');
  const gateway = await startGatewayProcess(['--host', '127.0.0.1'], env, { argv: args, cwd: app });
  t.after(() => gateway.stop());
  assert.equal(await (await fetch(`${gateway.url}/anything`)).text(), 'hello');
  const [checkCommand, ...checkArgs] = image.healthcheck!;
  assert.equal(checkCommand, 'node');
  await promisify(execFile)(process.execPath, checkArgs, { env, cwd: app });
  assert.equal(await gateway.stop(), 0);
  await assert.rejects(
    promisify(execFile)(process.execPath, checkArgs, { env, cwd: app }),
    'the HEALTHCHECK fails once the gateway is gone',
  );
});
