import { sandboxCredential, type SandboxIdentity } from '../../sandbox/credential.js';
import type { ArmConnection } from './gateway.js';

/** The service's own identity in the sandbox (its managed identity in Azure); its writes are "self". */
export const SANDBOX_SERVICE_IDENTITY: SandboxIdentity = {
  objectId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  appId: '2f4e6d8c-0a1b-4c3d-9e5f-7a6b5c4d3e2f',
  principalType: 'ServicePrincipal',
};

export function sandboxConnection(url: string, ca: string): ArmConnection {
  return { credential: sandboxCredential(SANDBOX_SERVICE_IDENTITY), endpoint: url, ca, graphEndpoint: url };
}
