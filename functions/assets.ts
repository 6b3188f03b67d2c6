import { page } from '../lib/http/handler.js';
import { stylesheetResponse } from '../lib/http/stylesheet.js';

/** Serves the one stylesheet the pages use (a strict CSP forbids inline styles). */
export const handler = page(async () => stylesheetResponse());
