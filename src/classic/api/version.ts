import { readFileSync } from 'node:fs';

// tswarm's version from its package.json (the swarm-mode route table, which also has it, is not loaded here).
const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** What `manage` reports as its server version: `swarm/` and tswarm's version, as classic Swarm's `swarm/1.2.x`. */
export const SWARM_VERSION = `swarm/${pkg.version}`;

/** The API version the front speaks: the reference engines' (Docker 20.10), so clients send bodies they understand. */
export const API_VERSION_CLASSIC = '1.41';
