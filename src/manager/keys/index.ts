export * from './unlock-key.js';
export { KeyStore, KEYS_FILE } from './key-store.js';
export { writeFileAtomic } from './atomic-file.js';
