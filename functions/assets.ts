/** GET /assets/{file}: the pages' stylesheet, icon and passkey script (lib/pages/assets-endpoint.ts). */
import { page } from '../lib/http/handler.js';
import { AssetsEndpoint } from '../lib/pages/assets-endpoint.js';

// No dependencies to inject, so no composition root: this bundle loads no AWS client.
const assets = new AssetsEndpoint();

export const handler = page((event) => assets.handle(event));
