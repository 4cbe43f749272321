// Nodes as columns, each with its tasks as cards (as Docker's old visualizer
// showed them). A column is redrawn only when its node or one of its tasks
// changed; its cards are windowed: only those in view are in the DOM, so a
// node running a thousand tasks costs a few dozen elements.
import { Component } from 'preact';
import { useState } from 'preact/hooks';
import type { NodeView, TaskView } from '../live-types.js';
import { bytes, cpus, pageOf } from './html.js';
import type { Model } from './model.js';
import { Pager, words } from './pager.js';

const NODES_PER_PAGE = 40;
/** A card's height plus the gap under it (the CSS of .card says 40px). Styles take strings with units (Preact 11 adds no px). */
export const CARD_PX = 44;
/** Cards a column shows before it scrolls. */
const VISIBLE_CARDS = 8;
/** Cards drawn beyond the visible ones on each side, so a scroll never shows a gap. */
const OVERSCAN = 4;

export type Act = (name: 'scale' | 'availability', body: object) => void;

interface NodesProps { m: Model; actions: boolean; onAct: Act; onOpen: (serviceId: string) => void }

export function Nodes({ m, actions, onAct, onOpen }: NodesProps) {
  const [filter, setFilter] = useState<string[]>([]);
  const [pageNo, setPageNo] = useState(0);
  const p = pageOf(m.sortedNodeList().filter((n) => nodeMatches(n, filter)), pageNo, NODES_PER_PAGE);
  return (
    <section id="nodes-section">
      <div class="bar">
        <h2>Nodes</h2>
        <input id="node-filter" type="search" placeholder="filter nodes: name, role, state, availability" aria-label="filter nodes"
          onInput={(e) => { setFilter(words(e.currentTarget.value)); setPageNo(0); }} />
        <Pager id="node-pager" p={p} size={NODES_PER_PAGE} onPage={setPageNo} />
      </div>
      <div id="nodes" class="nodes">
        {p.items.length === 0 ? <div class="empty">{m.nodes.size ? 'no node matches' : 'no nodes'}</div>
          : p.items.map((n) => <NodeColumn key={n.ID} node={n} rev={m.nodeRev(n.ID)} names={m.servicesRev} m={m} actions={actions} onAct={onAct} onOpen={onOpen} />)}
      </div>
    </section>
  );
}

interface ColumnProps { node: NodeView; rev: number; names: number; m: Model; actions: boolean; onAct: Act; onOpen: (serviceId: string) => void }

const stateClass = (s: string) => (s === 'ready' ? 'ok' : 'bad');
const availClass = (a: string) => (a === 'active' ? 'ok' : 'warn');

class NodeColumn extends Component<ColumnProps> {
  /** Redrawn when its node, its tasks (rev), the services' names or the actions switch changed. */
  override shouldComponentUpdate(next: ColumnProps): boolean {
    const p = this.props;
    return next.node !== p.node || next.rev !== p.rev || next.names !== p.names || next.actions !== p.actions;
  }

  override render({ node: n, m, actions, onAct, onOpen }: ColumnProps) {
    const tasks = m.nodeTasks(n.ID);
    const res = [cpus(n.NanoCPUs), bytes(n.MemoryBytes)].filter(Boolean).join(' · ');
    const to = n.Availability === 'active' ? 'drain' : 'active';
    return (
      <div class={`node ${n.State} ${n.Availability}`} data-node-id={n.ID} data-node-name={n.Name}>
        <div class="node-head">
          <div class="node-title">
            <div class="node-name" title={n.ID}>{n.Name}</div>
            {actions && <button data-availability={to} data-node={n.ID} onClick={() => onAct('availability', { node: n.ID, availability: to })}>{to === 'drain' ? 'drain' : 'activate'}</button>}
          </div>
          <div class="node-meta">
            {n.Leader ? <span class="badge leader">leader</span>
              : n.Role === 'manager' ? <span class="badge leader">manager{n.Reachability && n.Reachability !== 'reachable' ? ` · ${n.Reachability}` : ''}</span>
                : <span class="badge">worker</span>}
            <span class={`badge ${stateClass(n.State)}`} data-state>{n.State}</span>
            <span class={`badge ${availClass(n.Availability)}`} data-availability-state>{n.Availability}</span>
          </div>
          <div class="node-meta">{res}{res ? ' · ' : ''}<span data-task-count>{tasks.length}</span> tasks{n.Addr ? ` · ${n.Addr}` : ''}</div>
        </div>
        <TaskCards tasks={tasks} m={m} onOpen={onOpen} />
      </div>
    );
  }
}

/** A node's cards, windowed: the scroll box is as tall as all of them, only those in view (and a few around) exist. */
function TaskCards({ tasks, m, onOpen }: { tasks: TaskView[]; m: Model; onOpen: (serviceId: string) => void }) {
  const [scrollTop, setScrollTop] = useState(0);
  if (tasks.length === 0) return <div class="node-tasks"><div class="more">no tasks</div></div>;
  const viewPx = VISIBLE_CARDS * CARD_PX;
  const top = Math.min(scrollTop, Math.max(0, tasks.length * CARD_PX - viewPx));
  const first = Math.max(0, Math.floor(top / CARD_PX) - OVERSCAN);
  const last = Math.min(tasks.length, Math.ceil((top + viewPx) / CARD_PX) + OVERSCAN);
  return (
    <div class="node-tasks" style={{ maxHeight: `${viewPx}px` }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div class="task-window" style={{ height: `${tasks.length * CARD_PX}px` }}>
        {tasks.slice(first, last).map((t, i) => <Card key={t.ID} t={t} index={first + i} name={m.serviceName(t.ServiceID)} onOpen={onOpen} />)}
      </div>
    </div>
  );
}

function Card({ t, index, name, onOpen }: { t: TaskView; index: number; name: string; onOpen: (serviceId: string) => void }) {
  const stopping = t.DesiredState === 'shutdown' || t.DesiredState === 'remove';
  return (
    <div class={`card ${stopping ? 'stopping' : t.State}`} style={{ top: `${index * CARD_PX}px` }} data-task={t.ID} data-service-id={t.ServiceID} data-index={index}
      title={t.Err ?? t.ID} onClick={() => onOpen(t.ServiceID)}>
      <div><span class="svc">{name}{t.Slot ? `.${t.Slot}` : ''}</span> <span class="badge">{stopping ? 'stopping' : t.State}</span></div>
      <div class="img">{t.Image}</div>
    </div>
  );
}

/** Matches a node against the filter's words (all must match one of name, role, state, availability, address). */
export function nodeMatches(n: NodeView, filter: string[]): boolean {
  if (filter.length === 0) return true;
  const hay = `${n.Name} ${n.Hostname} ${n.Role} ${n.Leader ? 'leader' : ''} ${n.State} ${n.Availability} ${n.Addr} ${n.ID}`.toLowerCase();
  return filter.every((w) => hay.includes(w));
}
