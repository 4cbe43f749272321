import type { Discovery } from './discovery.js';
import { checkAddress, expandRange } from './entries.js';

/** `nodes://a:2375,b:2375,10.0.0.[11:13]:2375`: a fixed pool given on the command line. */
export class NodesDiscovery implements Discovery {
  readonly entries: string[];

  constructor(readonly url: string, list: string) {
    this.entries = [];
    for (const item of list.split(',')) {
      if (item === '') throw new Error(`invalid discovery URL "${url}": empty entry in the list`);
      for (const addr of expandRange(item)) {
        try {
          this.entries.push(checkAddress(addr));
        } catch (e) {
          // classic Swarm's hint: a bare token given without its scheme lands here
          throw new Error(`${(e as Error).message}, please check you are using the correct discovery (missing token:// ?)`);
        }
      }
    }
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.entries]);
  }

  watch(onEntries: (entries: string[]) => void): { stop(): void } {
    // a fixed list: told once; nothing to stop
    queueMicrotask(() => onEntries([...this.entries]));
    return { stop() {} };
  }

  register(): never {
    throw new Error('not implemented in this discovery service: nodes:// is a fixed list; join needs token://, etcd://, consul:// or zk://');
  }
}
