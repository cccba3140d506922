// A throwaway certificate for the tests that serve TLS on loopback (Loupe's
// HTTPS, the test SMSC's smpps://), made by openssl.
import { join } from 'node:path';

export type CertificateFiles = { keyFile: string; certFile: string };

/**
 * A self-signed certificate for localhost and 127.0.0.1, valid one day, with
 * its unencrypted key: key.pem and cert.pem in dir. Undefined when openssl is
 * missing or fails.
 */
export function selfSignedCertificate(dir: string): CertificateFiles | undefined {
  const files = { keyFile: join(dir, 'key.pem'), certFile: join(dir, 'cert.pem') };
  const openssl = Bun.spawnSync(
    [
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      files.keyFile,
      '-out',
      files.certFile,
    ],
    { stderr: 'ignore' },
  );
  return openssl.success ? files : undefined;
}
