/** GET /: who is signed in, or the ways in (lib/pages/home-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { HomeEndpoint } from '../lib/pages/home-endpoint.js';
import { getHomeEndpoint } from '../lib/runtime/page-endpoints.js';

export function homeHandler(endpoint: () => Pick<HomeEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = homeHandler(getHomeEndpoint);
