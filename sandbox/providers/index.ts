import { authorizationProvider } from './authorization.js';
import { insightsProvider } from './insights.js';
import { keyVaultProvider } from './keyVault.js';
import { operationalInsightsProvider } from './operationalInsights.js';
import { storageProvider } from './storage.js';
import type { ResourceProvider } from './types.js';

/** Every resource provider the sandbox serves; a new provider is one module plus one line here. */
export const PROVIDERS: readonly ResourceProvider[] = [storageProvider, authorizationProvider, keyVaultProvider, insightsProvider, operationalInsightsProvider];
