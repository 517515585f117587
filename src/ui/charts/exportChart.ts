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

/** Shown: not display:none nor hidden. A zero-size box may still show its content (recharts' wrapper does). */
function visible(el: Element): boolean {
  const style = getComputedStyle(el);
  return style.display !== 'none' && style.visibility !== 'hidden';
}

function hasArea(el: Element): boolean {
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0;
}

/** One line of text at its place on screen: x at its left, y on its baseline (a fifth of the box above its bottom). */
function textLine(text: string, rect: DOMRect, origin: DOMRect, style: CSSStyleDeclaration): string {
  const x = rect.left - origin.left;
  const y = rect.bottom - origin.top - rect.height * 0.22;
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${FONT}" font-size="${style.fontSize}" font-weight="${style.fontWeight}" fill="${style.color}">${escapeXml(text)}</text>`;
}

/** The lines a wrapped text node is laid out in: its words grouped by the line box each sits on. */
function wrappedLines(node: Text): { text: string; rect: DOMRect }[] {
  const lines: { words: string[]; rects: DOMRect[] }[] = [];
  const content = node.textContent ?? '';
  const range = document.createRange();
  for (const m of content.matchAll(/\S+/g)) {
    range.setStart(node, m.index);
    range.setEnd(node, m.index + m[0].length);
    const rect = range.getBoundingClientRect();
    const line = lines.find((l) => Math.abs(l.rects[0].top - rect.top) < rect.height / 2);
    if (line) {
      line.words.push(m[0]);
      line.rects.push(rect);
    } else lines.push({ words: [m[0]], rects: [rect] });
  }
  return lines.map((l) => {
    const left = Math.min(...l.rects.map((r) => r.left));
    const right = Math.max(...l.rects.map((r) => r.right));
    const { top, height } = l.rects[0];
    return { text: l.words.join(' '), rect: new DOMRect(left, top, right - left, height) };
  });
}

/** The text of an element's own text nodes, each line at its place on screen. */
function textParts(el: Element, origin: DOMRect): string[] {
  const style = getComputedStyle(el);
  return [...el.childNodes].flatMap((node) => {
    const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
    if (!(node instanceof Text) || text === '') return [];
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = range.getClientRects();
    if (rects.length === 0) return [];
    if (rects.length === 1) return [textLine(text, rects[0], origin, style)];
    return wrappedLines(node).map((l) => textLine(l.text, l.rect, origin, style));
  });
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
  if ((el instanceof SVGSVGElement || el instanceof HTMLCanvasElement) && !hasArea(el)) return [];
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
