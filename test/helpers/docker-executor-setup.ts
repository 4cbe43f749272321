import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { lockEngines, referenceEngine } from '../integration/invalid-input-engine.js';
import { ensureBusyboxImage } from './image.js';
import { docker, startTswarmd, type Tswarmd } from './tswarmd.js';

/** The private engine the docker executor drives (scripts/test-engine.sh; CI exports it). */
export const testEngine = process.env.TSWARM_TEST_DOCKER_HOST;

/** The `skip` of a test on the test engine: skipped without it outside CI; in CI it must be there (the test then fails). */
export const skipWithoutTestEngine: string | false = !testEngine && process.env.CI !== 'true' ? 'no TSWARM_TEST_DOCKER_HOST (run scripts/test-engine.sh)' : false;

/** Removes the task containers of a tswarm node from an engine (a killed daemon leaves them: no later test must count them). */
export async function removeNodeContainers(engine: string, nodeId: string): Promise<void> {
  const left = (await docker(engine, 'ps', '-aq', '--filter', `label=com.docker.swarm.node.id=${nodeId}`)).stdout.split('\n').filter(Boolean);
  if (left.length) await docker(engine, 'rm', '-f', ...left);
}

export interface OnTestEngine {
  engine: string;
  /** The busybox test image, on the test engine. */
  image: string;
  /** Runs fn at the test's end, before what this setup made is stopped and the engines are released (e.g. removing what the test made on the reference). */
  atEnd(fn: () => Promise<unknown>): void;
}

/**
 * The test engine to this test alone (lockEngines: tests that count every
 * task container there or compare the reference's whole store must not see
 * this test's services) with the busybox image on it. At the test's end the
 * atEnd functions run, then the engines are released, whatever failed.
 */
export async function onTestEngine(t: TestContext): Promise<OnTestEngine> {
  const engine = testEngine;
  assert.ok(engine, 'CI must provide TSWARM_TEST_DOCKER_HOST');
  const release = await lockEngines();
  const ends: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    try {
      for (const fn of ends) await fn();
    } finally {
      await release();
    }
  });
  const image = await ensureBusyboxImage(engine);
  return { engine, image, atEnd: (fn) => { ends.push(fn); } };
}

export interface BesideDocker extends OnTestEngine {
  /** The reference Docker 20.10 engine in swarm mode (shared: name what you make there with a prefix of your own). */
  ref: string;
  /** A tswarm daemon with the docker executor on the test engine, a single-node swarm. */
  d: Tswarmd & { listenAddr: string };
}

/**
 * What a test comparing the docker executor with Docker 20.10 starts from:
 * onTestEngine, the reference engine with the image too, and a tswarm daemon
 * with the docker executor on the test engine, its swarm initialized. At the
 * end (after the test's own atEnd functions) the daemon is killed and the
 * task containers it leaves on the engine are removed, so no later test
 * counts them.
 */
export async function dockerExecutorBesideDocker(t: TestContext): Promise<BesideDocker> {
  const on = await onTestEngine(t);
  const { engine } = on;
  const ref = await referenceEngine();
  await ensureBusyboxImage(ref);
  const d = await startTswarmd({ executor: 'docker', dockerHost: engine });
  let nodeId = '';
  const later: (() => Promise<unknown>)[] = [];
  on.atEnd(async () => {
    try {
      for (const fn of later) await fn();
    } finally {
      try {
        await d.stop('SIGKILL');
      } finally {
        if (nodeId) await removeNodeContainers(engine, nodeId);
      }
    }
  });
  const init = await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1');
  assert.equal(init.code, 0, init.stderr);
  nodeId = (await docker(d.host, 'info', '--format', '{{.Swarm.NodeID}}')).stdout.trim();
  return { ...on, ref, d, atEnd: (fn) => { later.push(fn); } };
}
