import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import {
  CLOCK_SKEW_MS, certIdentity, createKeyAndCSR, pemBlock, renewalDelayMs, rootDigest, toPem, tokenMatchesRoot,
} from '../../../src/pki/certificates.js';
import { OID, parseCert } from '../../../src/pki/asn1.js';
import { createRootCA, crossSign } from '../../../src/manager/ca/root-ca.js';
import { signCSR } from '../../../src/manager/ca/issue.js';
import { verifyChain } from '../../../src/manager/ca/verify.js';
import { buildName, signCertificate } from '../../../src/manager/ca/x509-builder.js';
import { newJoinToken } from '../../../src/manager/ca/join-tokens.js';
import { DAY, openssl } from './fixtures.js';

const now = new Date('2025-03-01T12:00:00Z');
const root = createRootCA(now);
const issue = (role: 'manager' | 'worker', nodeId = 'node1', ca = root, at = now, csrPem = createKeyAndCSR().csrPem) =>
  signCSR(ca, csrPem, { nodeId, role, clusterId: 'clusterA', now: at, expiryMs: 90 * DAY });

test('the root CA is a self-signed P-256 CA named swarm-ca, valid 20 years', () => {
  const x = new X509Certificate(root.certPem);
  assert.equal(x.subject, 'CN=swarm-ca');
  assert.equal(x.issuer, 'CN=swarm-ca');
  assert.equal(x.ca, true);
  assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(x.verify(x.publicKey));
  assert.equal(new Date(x.validFrom).getTime(), now.getTime() - 60_000);
  assert.equal(new Date(x.validTo).getUTCFullYear(), 2045);
  const text = openssl((d) => ['x509', '-in', `${d}/root.pem`, '-noout', '-text'], { 'root.pem': root.certPem });
  assert.match(text, /CA:TRUE/);
  assert.match(text, /Basic Constraints: critical/);
  assert.match(text, /Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
  assert.match(text, /ecdsa-with-SHA256/);
  assert.equal(new Date(new X509Certificate(createRootCA(now, { years: 1 }).certPem).validTo).getUTCFullYear(), 2026);
});

test('a manager leaf: CN node, OU role, O cluster, role SANs, server+client auth, backdated a minute', () => {
  const leaf = issue('manager');
  const x = new X509Certificate(leaf);
  assert.equal(x.subject, 'O=clusterA\nOU=swarm-manager\nCN=node1');
  assert.equal(x.issuer, 'CN=swarm-ca');
  assert.equal(x.subjectAltName, 'DNS:swarm-manager, DNS:node1, DNS:swarm-ca');
  assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // node's keyUsage is the EKU list
  assert.equal(x.ca, false);
  assert.ok(x.checkIssued(new X509Certificate(root.certPem)));
  assert.equal(new Date(x.validFrom).getTime(), now.getTime() - 60_000);
  assert.equal(new Date(x.validTo).getTime(), now.getTime() + 90 * DAY);
  const text = openssl((d) => ['x509', '-in', `${d}/leaf.pem`, '-noout', '-text'], { 'leaf.pem': leaf });
  assert.match(text, /Subject: O = clusterA, OU = swarm-manager, CN = node1/);
  assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(text, /CA:FALSE/);
  assert.match(text, /Authority Key Identifier/);
  // openssl checks the chain at the real date; issue one that is valid now for it.
  const current = issue('manager', 'node1', root, new Date());
  const out = openssl((d) => ['verify', '-CAfile', `${d}/root.pem`, '-purpose', 'sslserver', `${d}/leaf.pem`],
    { 'root.pem': root.certPem, 'leaf.pem': current });
  assert.match(out, /leaf.pem: OK/);
  openssl((d) => ['verify', '-CAfile', `${d}/root.pem`, '-purpose', 'sslclient', `${d}/leaf.pem`], { 'root.pem': root.certPem, 'leaf.pem': current });
});

test('a worker leaf has only its role and node id as SANs', () => {
  const x = new X509Certificate(issue('worker', 'w1'));
  assert.equal(x.subjectAltName, 'DNS:swarm-worker, DNS:w1');
  assert.equal(x.checkHost('swarm-manager', { subject: 'never' }), undefined);
});

test('certIdentity reads node, role, cluster and dates back', () => {
  assert.deepEqual(certIdentity(issue('worker', 'abc')), {
    nodeId: 'abc', role: 'worker', clusterId: 'clusterA',
    notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 90 * DAY),
  });
  assert.equal(certIdentity(pemBlock(issue('manager'))).role, 'manager'); // DER too
  assert.throws(() => certIdentity(root.certPem), /not a swarm node certificate/);
});

test('a leaf never outlives its CA', () => {
  const shortRoot = createRootCA(now, { years: 0 });
  assert.equal(certIdentity(issue('worker', 'n', shortRoot)).notAfter.getTime(), now.getTime());
});

test('the CSR is a valid PKCS#10 request that openssl verifies; its key ends up in the leaf', () => {
  const { keyPem, csrPem } = createKeyAndCSR();
  assert.match(openssl((d) => ['req', '-in', `${d}/r.csr`, '-verify', '-noout'], { 'r.csr': csrPem }) + 'OK', /OK/);
  const leaf = new X509Certificate(issue('worker', 'n', root, now, csrPem));
  assert.ok(leaf.checkPrivateKey(createPrivateKey(keyPem)));
});

test('signCSR refuses a CSR with a bad self-signature or a key other than P-256, and accepts openssl\'s P-256 CSR', () => {
  const a = AsnConvert.parse(pemBlock(createKeyAndCSR().csrPem, 'CERTIFICATE REQUEST'), CertificationRequest);
  const b = AsnConvert.parse(pemBlock(createKeyAndCSR().csrPem, 'CERTIFICATE REQUEST'), CertificationRequest);
  a.signature = b.signature; // a's key did not sign this
  const forged = toPem('CERTIFICATE REQUEST', new Uint8Array(AsnConvert.serialize(a)));
  assert.throws(() => issue('manager', 'n', root, now, forged), /bad signature/);
  assert.throws(() => issue('manager', 'n', root, now, 'garbage'), /invalid CSR/);
  const mk = (alg: string[]) => openssl((d) => ['req', '-new', ...alg, '-nodes', '-keyout', `${d}/k`, '-subj', '/CN=x'], {});
  assert.throws(() => issue('manager', 'n', root, now, mk(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'])), /not ECDSA P-256/);
  assert.throws(() => issue('manager', 'n', root, now, mk(['-newkey', 'rsa:2048'])), /not ECDSA P-256/);
  const fromOpenssl = issue('worker', 'n', root, now, mk(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']));
  assert.equal(new X509Certificate(fromOpenssl).subject, 'O=clusterA\nOU=swarm-worker\nCN=n'); // the CSR's subject is ignored
});

test('signCSR refuses a CA whose key is not its certificate\'s', () => {
  const other = createRootCA(now);
  assert.throws(() => issue('worker', 'n', { certPem: root.certPem, keyPem: other.keyPem }), /does not match/);
});

test('rootDigest is sha256 of the DER; join tokens made from it match that root only', () => {
  const digest = rootDigest(root.certPem);
  assert.equal(digest, createHash('sha256').update(pemBlock(root.certPem)).digest('hex'));
  const token = newJoinToken(digest);
  assert.ok(tokenMatchesRoot(token, root.certPem));
  assert.equal(tokenMatchesRoot(token, createRootCA(now).certPem), false);
  assert.equal(tokenMatchesRoot('SWMTKN-1-nonsense', root.certPem), false);
});

test('verifyChain: leaf to a trusted root, dates checked, other roots refused', () => {
  const leaf = issue('worker');
  const other = createRootCA(now);
  assert.ok(verifyChain(leaf, [root.certPem], now));
  assert.ok(verifyChain(leaf, [other.certPem, root.certPem], now));
  assert.equal(verifyChain(leaf, [other.certPem], now), false);
  assert.equal(verifyChain(leaf, [root.certPem], new Date(now.getTime() + 91 * DAY)), false); // expired
  assert.equal(verifyChain(leaf, [root.certPem], new Date(now.getTime() - 2 * 60_000)), false); // not yet valid
  assert.equal(verifyChain(leaf, [], now), false);
  assert.equal(verifyChain('', [root.certPem], now), false);
  // A leaf is not a CA: nothing it "signs" chains, and signCSR will not sign with it.
  const { keyPem, csrPem } = createKeyAndCSR();
  const leafCa = { certPem: issue('manager', 'm', root, now, csrPem), keyPem };
  assert.throws(() => issue('worker', 'x', leafCa), /not a CA/);
  const fake = signCertificate({
    issuer: parseCert(leafCa.certPem).tbsCertificate.subject, subject: buildName([[OID.commonName, 'x']]),
    spki: parseCert(leaf).tbsCertificate.subjectPublicKeyInfo, notBefore: now, notAfter: new Date(now.getTime() + DAY), extensions: [],
  }, keyPem);
  assert.ok(new X509Certificate(fake).verify(new X509Certificate(leafCa.certPem).publicKey));
  assert.equal(verifyChain(fake + leafCa.certPem, [root.certPem], now), false);
});

test('a cross-signed new root lets a node trusting only the old root accept the new root\'s leaves', () => {
  const newRoot = createRootCA(now);
  const cross = crossSign(newRoot, root);
  const x = new X509Certificate(cross);
  assert.equal(x.subject, 'CN=swarm-ca');
  assert.ok(x.ca);
  assert.ok(x.verify(new X509Certificate(root.certPem).publicKey));
  assert.ok(x.publicKey.equals(new X509Certificate(newRoot.certPem).publicKey));
  const leaf = issue('manager', 'n', newRoot);
  assert.equal(verifyChain(leaf, [root.certPem], now), false);
  assert.ok(verifyChain(leaf + cross, [root.certPem], now));
  assert.ok(verifyChain(leaf + cross, [newRoot.certPem], now));
  assert.ok(verifyChain(leaf + newRoot.certPem + cross, [root.certPem], now)); // order of the rest does not matter
  // openssl agrees (at today's date).
  const t = new Date();
  const [r1, r2] = [createRootCA(t), createRootCA(t)];
  const files = { 'old.pem': r1.certPem, 'cross.pem': crossSign(r2, r1), 'leaf.pem': issue('worker', 'n', r2, t) };
  assert.match(openssl((d) => ['verify', '-CAfile', `${d}/old.pem`, '-untrusted', `${d}/cross.pem`, `${d}/leaf.pem`], files), /OK/);
  assert.throws(() => openssl((d) => ['verify', '-CAfile', `${d}/old.pem`, `${d}/leaf.pem`], files));
});

test('renewalDelayMs: between 50% and 80% of the life since issue (notBefore is backdated a minute), never negative', () => {
  const issued = new Date('2025-01-01T00:00:00Z');
  const nb = new Date(issued.getTime() - CLOCK_SKEW_MS);
  const na = new Date(issued.getTime() + 100 * DAY);
  assert.equal(renewalDelayMs(nb, na, () => 0, issued), 50 * DAY);
  assert.equal(renewalDelayMs(nb, na, () => 1, issued), 80 * DAY);
  assert.equal(renewalDelayMs(nb, na, () => 0.5, new Date(issued.getTime() + 10 * DAY)), 55 * DAY);
  assert.equal(renewalDelayMs(nb, na, () => 0.5, new Date(issued.getTime() + 90 * DAY)), 0);
  // A 20 s certificate renews 10–16 s after issue, not at once.
  const short = renewalDelayMs(nb, new Date(issued.getTime() + 20_000), Math.random, issued);
  assert.ok(short >= 10_000 && short <= 16_000, String(short));
});
