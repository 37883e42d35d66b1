/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by openssl (1 day, RSA 2048): what
 * the wss:// tests serve and trust with `ca`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'wsframe-cert-'));
  try {
    execFileSync('/usr/bin/openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'pipe' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The certificate and its key also as PEM files, for peers that read files (Hypercorn, the CLI's --tls-cert). */
export interface CertificateFiles {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly keyFile: string;
  readonly certFile: string;
  /** Delete the files. */
  remove(): void;
}

export function certificateFiles(): CertificateFiles {
  const { key, cert } = selfSignedCertificate();
  const dir = mkdtempSync(join(tmpdir(), 'wsframe-cert-files-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  writeFileSync(keyFile, key);
  writeFileSync(certFile, cert);
  return { key, cert, keyFile, certFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
