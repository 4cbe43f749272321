import { GWBRIDGE } from './container-config.js';
import { EngineError, type EngineClient } from './engine-client.js';

/**
 * Creates the engine's docker_gwbridge network when missing, with Docker's
 * options (libnetwork's default gateway bridge: no inter-container traffic,
 * masqueraded to the outside): tasks on overlay networks reach the world
 * through it while their overlay traffic stays on the overlays.
 */
export function ensureGwBridge(engine: EngineClient): Promise<void> {
  // One creation at a time per engine: two tasks prepared at once (a stack's replicas) both found it missing, and the
  // engine refused the second ("cannot create network …: conflicts with network …"), rejecting that task.
  let p = inFlight.get(engine);
  if (!p) {
    p = createGwBridge(engine).finally(() => inFlight.delete(engine));
    inFlight.set(engine, p);
  }
  return p;
}

const inFlight = new Map<EngineClient, Promise<void>>();

async function createGwBridge(engine: EngineClient): Promise<void> {
  try {
    await engine.call('GET', `/networks/${GWBRIDGE}`);
    return;
  } catch (e) {
    if (!(e instanceof EngineError && e.status === 404)) throw e;
  }
  try {
    await engine.call('POST', '/networks/create', {
      Name: GWBRIDGE, Driver: 'bridge', CheckDuplicate: true, EnableIPv6: false,
      Options: {
        'com.docker.network.bridge.name': GWBRIDGE,
        'com.docker.network.bridge.enable_icc': 'false',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
      },
    });
  } catch (e) {
    if (e instanceof EngineError && e.status === 409) return; // made by a concurrent prepare
    // Another process driving the same engine (a second daemon) made it meanwhile: the engine's words vary, its presence does not.
    const now = await engine.call('GET', `/networks/${GWBRIDGE}`).then(() => true, () => false);
    if (!now) throw e;
  }
}
