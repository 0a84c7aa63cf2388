/** Signing chain heads with a Key Vault key (Azure), and fetching its public part for verifiers. */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { CryptographyClient, KeyClient, type CryptographyClientOptions } from '@azure/keyvault-keys';
import type { PublicKeyResolver, Signer } from './signer.js';

/** Azure: the key never leaves Key Vault; the service holds only the right to sign with it. */
export class KeyVaultSigner implements Signer {
  readonly alg = 'ES256' as const;
  private readonly client: CryptographyClient;

  constructor(
    readonly keyId: string,
    credential: TokenCredential,
    options: CryptographyClientOptions = {},
  ) {
    this.client = new CryptographyClient(keyId, credential, options);
  }

  async sign(data: Buffer): Promise<Buffer> {
    const digest = createHash('sha256').update(data).digest();
    const result = await this.client.sign('ES256', digest);
    return Buffer.from(result.result);
  }
}

/** Public keys fetched from Key Vault by key id (`https://<vault>/keys/<name>/<version>`). */
export function keyVaultPublicKeys(credential: TokenCredential, options: ConstructorParameters<typeof KeyClient>[2] = {}): PublicKeyResolver {
  const cache = new Map<string, KeyObject | undefined>();
  return async (keyId) => {
    if (cache.has(keyId)) return cache.get(keyId);
    const match = /^(https:\/\/[^/]+(?:\/[^/]+)*?)\/keys\/([^/]+)\/([^/]+)$/.exec(keyId);
    if (match === null) return undefined;
    const [, vaultUrl, name, version] = match;
    const bundle = await new KeyClient(vaultUrl!, credential, options).getKey(name!, { version: version! });
    const jwk = bundle.key;
    const key =
      jwk?.x === undefined || jwk.y === undefined
        ? undefined
        : createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: Buffer.from(jwk.x).toString('base64url'), y: Buffer.from(jwk.y).toString('base64url') }, format: 'jwk' });
    cache.set(keyId, key);
    return key;
  };
}
