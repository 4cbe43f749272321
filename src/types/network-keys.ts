/**
 * The symmetric keys that protect overlay data between hosts (swarmkit's
 * NetworkBootstrapKeys, subsystem "networking:ipsec"): made and rotated by
 * the leader, kept in the cluster object (never shown by the API), sent by
 * the dispatcher only to nodes that carry a task on an encrypted network.
 */
export interface EncryptionKey {
  Subsystem: 'networking:ipsec';
  /** swarmkit's AES_128_GCM: 16 bytes of key; ESP uses it as rfc4106(gcm(aes)). */
  Algorithm: 'AES_128_GCM';
  /** The key, base64. */
  Key: string;
  /** Orders the keys (the newest is highest); also the key's tag in the SPI. */
  LamportTime: number;
}

/** Keys kept in the ring: the newest (receive only), the primary (sending) and the previous one (swarmkit's keyringSize). */
export const KEYRING_SIZE = 3;

/**
 * The key a node sends with: the second newest. The newest was handed to
 * every node one rotation period earlier than anyone sends with it, so a
 * receiver always holds the sender's key (libnetwork's rule).
 */
export function primaryKey(keys: EncryptionKey[]): EncryptionKey | undefined {
  const sorted = [...keys].sort((a, b) => b.LamportTime - a.LamportTime);
  return sorted[1] ?? sorted[0];
}
