import { generate } from 'selfsigned';

/** PEM key and certificate for the sandbox's HTTPS listener. */
export interface TlsIdentity {
  key: string;
  cert: string;
}

/**
 * A fresh self-signed certificate for 127.0.0.1 and localhost. The Azure SDK refuses
 * bearer tokens over plain http, so the sandbox must speak TLS; clients trust this
 * certificate explicitly (`tlsOptions: { ca }`), and it dies with the process.
 */
export async function createSelfSignedCertificate(): Promise<TlsIdentity> {
  const notAfter = new Date();
  notAfter.setDate(notAfter.getDate() + 30);
  const pems = await generate([{ name: 'commonName', value: 'hipaa-remediator sandbox' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      // Being its own CA lets clients use it as the trust anchor.
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
