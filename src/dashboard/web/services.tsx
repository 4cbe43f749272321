// The services table: replicas `running/desired` as `docker service ls`
// counts them, tasks no node has taken yet, ports and update state.
import { useState } from 'preact/hooks';
import type { ServiceView } from '../live-types.js';
import { pageOf } from './html.js';
import type { Model } from './model.js';
import { Pager, words } from './pager.js';

const SERVICES_PER_PAGE = 25;

function updateClass(s: string): string {
  if (s === 'updating' || s === 'rollback_started') return 'warn';
  if (s === 'paused' || s === 'rollback_paused') return 'bad';
  return 'ok';
}

export function Services({ m, selected, onOpen }: { m: Model; selected?: string; onOpen: (serviceId: string) => void }) {
  const [filter, setFilter] = useState<string[]>([]);
  const [pageNo, setPageNo] = useState(0);
  const p = pageOf(m.sortedServiceList().filter((s) => serviceMatches(s, filter)), pageNo, SERVICES_PER_PAGE);
  return (
    <section id="services-section">
      <div class="bar">
        <h2>Services</h2>
        <input id="svc-filter" type="search" placeholder="filter services" aria-label="filter services"
          onInput={(e) => { setFilter(words(e.currentTarget.value)); setPageNo(0); }} />
        <Pager id="svc-pager" p={p} size={SERVICES_PER_PAGE} onPage={setPageNo} />
      </div>
      <table id="services">
        <thead><tr><th>Name</th><th>Mode</th><th>Replicas</th><th>Image</th><th>Ports</th><th>Update</th></tr></thead>
        <tbody>
          {p.items.length === 0 ? <tr><td class="empty" colSpan={6}>{m.services.size ? 'no service matches' : 'no services'}</td></tr>
            : p.items.map((s) => <ServiceRow key={s.ID} s={s} m={m} selected={s.ID === selected} onOpen={onOpen} />)}
        </tbody>
      </table>
    </section>
  );
}

function ServiceRow({ s, m, selected, onOpen }: { s: ServiceView; m: Model; selected: boolean; onOpen: (serviceId: string) => void }) {
  const { running, desired } = m.replicas(s);
  const waiting = m.unassigned(s.ID);
  return (
    <tr data-service={s.ID} data-name={s.Name} class={selected ? 'selected' : undefined} onClick={() => onOpen(s.ID)}>
      <td><b>{s.Name}</b></td>
      <td>{s.Mode}</td>
      <td>
        <span class={`replicas ${running >= desired ? 'ok' : 'short'}`} data-replicas>{running}/{desired}</span>
        {waiting > 0 && <> <span class="badge warn" title="tasks no node has taken yet">{waiting} pending</span></>}
      </td>
      <td class="mono">{s.Image}</td>
      <td class="mono">{s.Ports.join(', ')}</td>
      <td>{s.UpdateState && <span class={`badge ${updateClass(s.UpdateState)}`} title={s.UpdateMessage}>{s.UpdateState}</span>}</td>
    </tr>
  );
}

export function serviceMatches(s: ServiceView, filter: string[]): boolean {
  if (filter.length === 0) return true;
  const hay = `${s.Name} ${s.Image} ${s.Mode} ${s.UpdateState ?? ''} ${s.ID}`.toLowerCase();
  return filter.every((w) => hay.includes(w));
}
