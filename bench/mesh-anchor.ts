/**
 * bench/mesh's anchor: what Kubernetes does for the same request, built by
 * hand on the same hosts. A NodePort of kube-proxy's nftables mode on the
 * entry host (a vmap from port to service chain, an endpoint chain that marks
 * for masquerade and DNATs to the pod, masquerade in postrouting on the mark,
 * invalid conntrack states dropped in forward; kube-proxy writes `masquerade
 * fully-random`, which on this bench's workload, a server that closes first
 * and one client reusing its ports at 8000 connections/s, remaps ports onto
 * the server's TIME_WAIT sockets and loses 4% of SYNs to PAWS, so the anchor
 * keeps the ports as the mesh does), and flannel's VXLAN backend
 * between the hosts (flannel.1 in each host's own namespace on UDP 8472,
 * static neighbour and FDB entries, an onlink route per remote pod subnet; the
 * pod on the cni0 bridge through a veth, all at flannel's MTU). Neither adds a notrack for its VXLAN.
 * The pod is a third link of the bench's task namespace, so the same server
 * answers all paths.
 */
import { inNetns, mustInNetns, type NetnsHost } from '../test/helpers/netns-hosts.js';

const TABLE = 'kube_proxy_bench';
const FLANNEL_PORT = 8472;
/** flannel's pod MTU: the host link's 1500 less VXLAN's 50 (the CNI config carries it to cni0 and the pods). */
const POD_MTU = 1450;
const POD_NET = { entry: '10.244.1', taskHost: '10.244.2' };
const POD = `${POD_NET.taskHost}.2`;
/** Fixed MACs: the static neighbour and FDB entries flannel writes from each node's annotation. */
const MAC = { entry: '0e:6b:00:00:01:00', taskHost: '0e:6b:00:00:02:00' };

/** Each host's flannel.1 and its routes to the other host's pod subnet. */
async function flannel(host: NetnsHost, own: string, ownMac: string, peer: NetnsHost, peerNet: string, peerMac: string) {
  await mustInNetns(host.netns, ['sh', '-c', [
    `ip link add flannel.1 address ${ownMac} type vxlan id 1 local ${host.ip} dstport ${FLANNEL_PORT} nolearning`,
    `ip addr add ${own}.0/32 dev flannel.1`, 'ip link set flannel.1 up',
    `ip route replace ${peerNet}.0/24 via ${peerNet}.0 dev flannel.1 onlink`,
    `ip neigh replace ${peerNet}.0 lladdr ${peerMac} dev flannel.1 nud permanent`,
    `bridge fdb append ${peerMac} dev flannel.1 dst ${peer.ip}`,
    'sysctl -qw net.ipv4.ip_forward=1',
  ].join(' && ')]);
}

/** kube-proxy's nftables NodePort for one service with one endpoint. */
function kubeProxyRules(nodePort: number, targetPort: number): string {
  return `table ip ${TABLE} {
  chain nat-prerouting { type nat hook prerouting priority dstnat; policy accept; jump services; }
  chain nat-postrouting { type nat hook postrouting priority srcnat; policy accept; jump masquerading; }
  chain filter-forward { type filter hook forward priority -110; policy accept; ct state invalid drop; }
  chain services { fib daddr type local jump nodeports; }
  chain nodeports { meta l4proto . th dport vmap { tcp . ${nodePort} : goto external-web }; }
  chain external-web { jump mark-for-masquerade; goto svc-web; }
  chain mark-for-masquerade { meta mark set meta mark or 0x4000; }
  chain masquerading { meta mark & 0x4000 == 0 return; meta mark set meta mark xor 0x4000; masquerade; }
  chain svc-web { numgen random mod 1 vmap { 0 : goto sep-web-1 }; }
  chain sep-web-1 { meta l4proto tcp dnat to ${POD}:${targetPort}; }
}`;
}

/**
 * Builds the anchor: entry's NodePort `nodePort` reaches the server on
 * `targetPort` in `taskNs` (on taskHost). Returns the target for the client
 * and the undo.
 */
export async function kubeProxyAnchor(entry: NetnsHost, taskHost: NetnsHost, taskNs: string, nodePort: number, targetPort: number): Promise<{ target: string; undo: () => Promise<void> }> {
  const undo = async () => {
    await inNetns(entry.netns, ['nft', `delete table ip ${TABLE}`]);
    for (const h of [entry, taskHost]) await inNetns(h.netns, ['ip', 'link', 'del', 'flannel.1']);
    await inNetns(taskHost.netns, ['sh', '-c', 'ip link del cni0; ip link del vethbench; iptables -D FORWARD -i cni0 -j ACCEPT; iptables -D FORWARD -o cni0 -j ACCEPT']);
  };
  try {
    await flannel(entry, POD_NET.entry, MAC.entry, taskHost, POD_NET.taskHost, MAC.taskHost);
    await flannel(taskHost, POD_NET.taskHost, MAC.taskHost, entry, POD_NET.entry, MAC.entry);
    await mustInNetns(taskHost.netns, ['sh', '-c', [
      `ip link add cni0 mtu ${POD_MTU} type bridge`, `ip addr add ${POD_NET.taskHost}.1/24 dev cni0`, 'ip link set cni0 up',
      `ip link add vethbench mtu ${POD_MTU} type veth peer name pod0 mtu ${POD_MTU} netns ${taskNs}`, 'ip link set vethbench master cni0 up',
      // Docker's engine on the host sets FORWARD to DROP; kube-proxy and flannel add their own accepts.
      'iptables -I FORWARD -i cni0 -j ACCEPT', 'iptables -I FORWARD -o cni0 -j ACCEPT',
    ].join(' && ')]);
    await mustInNetns(taskNs, ['sh', '-c', `ip addr add ${POD}/24 dev pod0 && ip link set pod0 up && ip route add 10.244.0.0/16 via ${POD_NET.taskHost}.1`]);
    await mustInNetns(entry.netns, ['nft', kubeProxyRules(nodePort, targetPort)]);
  } catch (err) {
    await undo();
    throw err;
  }
  return { target: `${entry.ip}:${nodePort}`, undo };
}
