/**
 * A chart panel as a file: its charts (recharts SVG), heatmaps (canvas, embedded as PNG), legends and titles
 * laid out as on screen, in one standalone SVG; the PNG is that SVG drawn at twice the screen's resolution.
 * Controls marked `data-export="skip"` (the save buttons themselves) are left out.
 */
import { downloadBlob } from '../persist/download';

const SVG_NS = 'http://www.w3.org/2000/svg';
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';

const escapeXml = (s: string): string =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

function visible(el: Element): boolean {
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return style.display !== 'none' && style.visibility !== 'hidden' && box.width > 0 && box.height > 0;
}

/** The text of an element's own text nodes, each at its place on screen. */
function textParts(el: Element, origin: DOMRect): string[] {
  const out: string[] = [];
  const style = getComputedStyle(el);
  for (const node of el.childNodes) {
    if (node.nodeType !== Node.TEXT_NODE || (node.textContent ?? '').trim() === '') continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width === 0) continue;
    const x = rect.left - origin.left;
    // The baseline sits about a fifth of the line box above its bottom.
    const y = rect.bottom - origin.top - rect.height * 0.22;
    out.push(
      `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${FONT}" font-size="${style.fontSize}" font-weight="${style.fontWeight}" fill="${style.color}">${escapeXml((node.textContent ?? '').replace(/\s+/g, ' ').trim())}</text>`,
    );
  }
  return out;
}

/** A legend swatch (an `<i>` drawn by its top border) as a line. */
function swatch(el: Element, origin: DOMRect): string {
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const y = box.top - origin.top + parseFloat(style.borderTopWidth) / 2;
  const dash = style.borderTopStyle === 'dashed' ? ' stroke-dasharray="4 3"' : '';
  return `<line x1="${(box.left - origin.left).toFixed(1)}" x2="${(box.right - origin.left).toFixed(1)}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${style.borderTopColor}" stroke-width="${style.borderTopWidth}"${dash}/>`;
}

function parts(el: Element, origin: DOMRect): string[] {
  if (el instanceof HTMLElement && el.dataset.export === 'skip') return [];
  if (!visible(el)) return [];
  const box = el.getBoundingClientRect();
  const x = (box.left - origin.left).toFixed(1);
  const y = (box.top - origin.top).toFixed(1);
  if (el instanceof SVGSVGElement) {
    const copy = el.cloneNode(true) as SVGSVGElement;
    copy.setAttribute('x', x);
    copy.setAttribute('y', y);
    copy.setAttribute('width', String(box.width));
    copy.setAttribute('height', String(box.height));
    copy.setAttribute('font-family', FONT);
    return [new XMLSerializer().serializeToString(copy)];
  }
  if (el instanceof HTMLCanvasElement)
    return [
      `<image x="${x}" y="${y}" width="${box.width}" height="${box.height}" href="${el.toDataURL('image/png')}"/>`,
    ];
  if (el.tagName === 'I' && el.closest('.legend')) return [swatch(el, origin)];
  return [...textParts(el, origin), ...[...el.children].flatMap((c) => parts(c, origin))];
}

/** The panel as a standalone SVG document, and its size in CSS pixels. */
export function panelSvg(panel: Element): { svg: string; width: number; height: number } {
  const origin = panel.getBoundingClientRect();
  const width = Math.ceil(origin.width);
  const height = Math.ceil(origin.height);
  const body = parts(panel, origin).join('\n');
  const svg = `<svg xmlns="${SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<rect width="100%" height="100%" fill="#fff"/>\n${body}\n</svg>`;
  return { svg, width, height };
}

/** The SVG drawn on a canvas `scale` times its size, as PNG bytes. */
async function svgToPng(svg: string, width: number, height: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas to draw the PNG on');
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Saves the panel around `from` (a control in it) as `<name>.png` or `<name>.svg`. */
export async function savePanel(from: Element, name: string, format: 'png' | 'svg'): Promise<void> {
  const panel = from.closest('[data-export-root]');
  if (!panel) throw new Error('this control is not inside a chart panel');
  const { svg, width, height } = panelSvg(panel);
  const blob =
    format === 'svg' ? new Blob([svg], { type: 'image/svg+xml' }) : await svgToPng(svg, width, height);
  downloadBlob(blob, `${name}.${format}`);
}
