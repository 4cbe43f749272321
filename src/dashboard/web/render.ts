// The page's views as HTML text (esc on every value), one function per part.
import type { NodeView, ServiceView, TaskView } from '../live-types.js';
import { bytes, cpus, esc } from './html.js';
import type { Model } from './model.js';

/** Cards under one node before "+N more": a node column stays readable at any scale. */
export const CARDS_PER_NODE = 12;

export function summaryHtml(m: Model): string {
  const n = m.nodes.size;
  const ready = m.countNodes((x) => x.State === 'ready');
  const managers = m.countNodes((x) => x.Role === 'manager');
  const drained = m.countNodes((x) => x.Availability !== 'active');
  return `<span><b>${n}</b> nodes (<b>${ready}</b> ready, ${managers} managers${drained ? `, ${drained} not active` : ''})</span>`
    + `<span><b>${m.services.size}</b> services</span>`
    + `<span><b>${m.runningTasks()}</b> tasks running</span>`
    + (m.info ? `<span>serving: ${esc(m.info.hostname)}${m.info.actions ? ' · actions on' : ' · read-only'}</span>` : '');
}

export function servicesHtml(m: Model, items: ServiceView[], selected: string | undefined): string {
  if (items.length === 0) return `<tr><td class="empty" colspan="6">${m.services.size ? 'no service matches' : 'no services'}</td></tr>`;
  return items.map((s) => {
    const { running, desired } = m.replicas(s);
    const waiting = m.unassigned(s.ID);
    const upd = s.UpdateState ? `<span class="badge ${updateClass(s.UpdateState)}" title="${esc(s.UpdateMessage)}">${esc(s.UpdateState)}</span>` : '';
    return `<tr data-service="${esc(s.ID)}" data-name="${esc(s.Name)}"${s.ID === selected ? ' class="selected"' : ''}>`
      + `<td><b>${esc(s.Name)}</b></td><td>${esc(s.Mode)}</td>`
      + `<td><span class="replicas ${running >= desired ? 'ok' : 'short'}" data-replicas>${running}/${desired}</span>`
      + `${waiting ? ` <span class="badge warn" title="tasks no node has taken yet">${waiting} pending</span>` : ''}</td>`
      + `<td class="mono">${esc(s.Image)}</td><td class="mono">${esc(s.Ports.join(', '))}</td><td>${upd}</td></tr>`;
  }).join('');
}

function updateClass(s: string): string {
  if (s === 'updating' || s === 'rollback_started') return 'warn';
  if (s === 'paused' || s === 'rollback_paused') return 'bad';
  return 'ok';
}

const stateClass = (s: string) => (s === 'ready' ? 'ok' : 'bad');
const availClass = (a: string) => (a === 'active' ? 'ok' : 'warn');

export function nodesHtml(m: Model, items: NodeView[], actions: boolean): string {
  if (items.length === 0) return `<div class="empty">${m.nodes.size ? 'no node matches' : 'no nodes'}</div>`;
  return items.map((n) => {
    const tasks = m.nodeTasks(n.ID);
    const shown = tasks.slice(0, CARDS_PER_NODE);
    const role = n.Leader ? '<span class="badge leader">leader</span>'
      : n.Role === 'manager' ? `<span class="badge leader">manager${n.Reachability && n.Reachability !== 'reachable' ? ` · ${esc(n.Reachability)}` : ''}</span>` : '<span class="badge">worker</span>';
    const res = [cpus(n.NanoCPUs), bytes(n.MemoryBytes)].filter(Boolean).join(' · ');
    const act = actions ? `<button data-availability="${n.Availability === 'active' ? 'drain' : 'active'}" data-node="${esc(n.ID)}">${n.Availability === 'active' ? 'drain' : 'activate'}</button>` : '';
    return `<div class="node ${esc(n.State)} ${esc(n.Availability)}" data-node-id="${esc(n.ID)}" data-node-name="${esc(n.Name)}">`
      + `<div class="node-head"><div class="node-title"><div class="node-name" title="${esc(n.ID)}">${esc(n.Name)}</div>${act}</div>`
      + `<div class="node-meta">${role}<span class="badge ${stateClass(n.State)}" data-state>${esc(n.State)}</span>`
      + `<span class="badge ${availClass(n.Availability)}" data-availability-state>${esc(n.Availability)}</span></div>`
      + `<div class="node-meta">${esc(res)}${res ? ' · ' : ''}<span data-task-count>${tasks.length}</span> tasks${n.Addr ? ` · ${esc(n.Addr)}` : ''}</div></div>`
      + `<div class="node-tasks">${shown.map((t) => cardHtml(m, t)).join('') || '<div class="more">no tasks</div>'}`
      + (tasks.length > shown.length ? `<div class="more">+ ${tasks.length - shown.length} more</div>` : '')
      + '</div></div>';
  }).join('');
}

function cardHtml(m: Model, t: TaskView): string {
  const stopping = t.DesiredState === 'shutdown' || t.DesiredState === 'remove';
  const name = `${m.serviceName(t.ServiceID)}${t.Slot ? `.${t.Slot}` : ''}`;
  const cls = stopping ? 'stopping' : t.State;
  return `<div class="card ${esc(cls)}" data-task="${esc(t.ID)}" data-service-id="${esc(t.ServiceID)}" title="${esc(t.Err ?? t.ID)}">`
    + `<div><span class="svc">${esc(name)}</span> <span class="badge">${stopping ? 'stopping' : esc(t.State)}</span></div>`
    + `<div class="img">${esc(t.Image)}</div></div>`;
}

/** Matches a node against the filter's words (all must match one of name, role, state, availability, address). */
export function nodeMatches(n: NodeView, words: string[]): boolean {
  if (words.length === 0) return true;
  const hay = `${n.Name} ${n.Hostname} ${n.Role} ${n.Leader ? 'leader' : ''} ${n.State} ${n.Availability} ${n.Addr} ${n.ID}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

export function serviceMatches(s: ServiceView, words: string[]): boolean {
  if (words.length === 0) return true;
  const hay = `${s.Name} ${s.Image} ${s.Mode} ${s.UpdateState ?? ''} ${s.ID}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}
