/**
 * The QR code of an `otpauth://` URI as inline SVG, built through the html`` template so the
 * page needs neither a second request nor a way around the escaping: one `<path>` of unit
 * squares, no `style` attribute (presentation attributes such as `fill` are not style under CSP
 * `style-src 'self'`), and no script. The secret is also shown as text beside it.
 */
import { create } from 'qrcode';
import { html, type SafeHtml } from '../http/html.js';

/** The quiet zone the QR specification asks for around the symbol, in modules. */
const QUIET_ZONE = 4;

export function qrCodeSvg(text: string, label: string): SafeHtml {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const squares: string[] = [];
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (modules.get(row, column)) squares.push(`M${column + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
    }
  }
  const side = modules.size + 2 * QUIET_ZONE;
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" width="240" height="240" role="img" aria-label="${label}" shape-rendering="crispEdges"><rect width="${side}" height="${side}" fill="#fff"/><path fill="#000" d="${squares.join('')}"/></svg>`;
}
