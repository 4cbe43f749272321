import type { IngressPort, NetworkServiceView } from '../../types/network-view.js';
import type { Service } from '../../types/objects.js';
import { INGRESS_SBOX } from '../../types/network.js';

/** The label asking the routing mesh to keep the client's address (tswarm's, beyond Docker: moby#25526). */
export const KEEP_SOURCE_IP_LABEL = 'com.tswarm.mesh.keep-source-ip';

export type MeshInfo = Pick<NetworkServiceView, 'Ports' | 'KeepSourceIP'>;

/** What the ingress network's view says of a service: its ingress-published ports (allocated), and whether the mesh keeps the source address. */
export function meshInfo(s: Service): MeshInfo {
  const ports: IngressPort[] = [];
  for (const p of s.Endpoint?.Ports ?? []) {
    if ((p.PublishMode ?? 'ingress') !== 'ingress' || !p.PublishedPort || !p.TargetPort) continue;
    ports.push({ Protocol: p.Protocol ?? 'tcp', TargetPort: p.TargetPort, PublishedPort: p.PublishedPort });
  }
  return {
    ...(ports.length ? { Ports: ports } : {}),
    ...(s.Spec.Labels?.[KEEP_SOURCE_IP_LABEL] === 'true' ? { KeepSourceIP: true } : {}),
  };
}

/** A member of a network that is a host's ingress endpoint (its record's container is the ingress sandbox). */
export const isSboxMember = (m: { serviceId?: string; container?: { id: string } }) => !m.serviceId && m.container?.id === INGRESS_SBOX;

/** A node's own ingress address among its members on the ingress network. */
export function ingressAddr(members: { serviceId?: string; addr: string; container?: { id: string } }[]): { IngressAddr?: string } {
  const m = members.find(isSboxMember);
  return m ? { IngressAddr: m.addr } : {};
}
