import { GWBRIDGE } from './container-config.js';
import { EngineError, type EngineClient } from './engine-client.js';

/**
 * Creates the engine's docker_gwbridge network when missing, with Docker's
 * options (libnetwork's default gateway bridge: no inter-container traffic,
 * masqueraded to the outside): tasks on overlay networks reach the world
 * through it while their overlay traffic stays on the overlays.
 */
export async function ensureGwBridge(engine: EngineClient): Promise<void> {
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
    if (!(e instanceof EngineError && e.status === 409)) throw e; // made by a concurrent prepare
  }
}
