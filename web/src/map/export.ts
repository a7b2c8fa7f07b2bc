// Exports of the current view: SVG (vector, what is on screen), and JSON in the
// topology contract of `korral topology -o json` (nodes and edges on screen) with the
// map's own fields (positions, folding, health).
import type { Camera } from "./camera";
import { visibleWorld } from "./camera";
import type { MapModel } from "./model";
import type { Palette } from "./palette";
import { css, STRONG_RELATIONS } from "./palette";
import { nodeRadius } from "./renderer";
import type { MapData } from "./types";

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What of the model lies in the view. */
export function inView(model: MapModel, camera: Camera, width: number, height: number): MapData {
  const v = visibleWorld(camera, width, height);
  const nodes = model.nodes.filter((n) => n.x >= v.minX && n.x <= v.maxX && n.y >= v.minY && n.y <= v.maxY);
  const ids = new Set(nodes.map((n) => n.id));
  const edges = model.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  const namespaces = model.namespaces.filter((b) => b.x < v.maxX && b.x + b.width > v.minX && b.y < v.maxY && b.y + b.height > v.minY);
  return { nodes, edges, namespaces, totals: { objects: nodes.reduce((s, n) => s + 1 + n.folded, 0), nodes: nodes.length, edges: edges.length, folded: nodes.reduce((s, n) => s + n.folded, 0) }, seq: model.seq };
}

export function toJson(data: MapData): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

export function toSvg(model: MapModel, camera: Camera, width: number, height: number, palette: Palette): string {
  const data = inView(model, camera, width, height);
  const v = visibleWorld(camera, width, height);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.round(width)}" height="${Math.round(height)}" viewBox="${v.minX} ${v.minY} ${v.maxX - v.minX} ${v.maxY - v.minY}" font-family="system-ui, sans-serif">`,
    `<rect x="${v.minX}" y="${v.minY}" width="${v.maxX - v.minX}" height="${v.maxY - v.minY}" fill="${css(palette.background)}"/>`,
  ];
  const stroke = 1 / camera.scale;
  for (const b of data.namespaces) {
    out.push(`<g><rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" fill="${css(palette.boxFill)}" stroke="${css(palette.boxBorder)}" stroke-width="${stroke}"/><text x="${b.x + 6}" y="${b.y + 16}" font-size="12" font-weight="600" fill="${palette.mutedText}">${esc(b.name || "(cluster)")}</text></g>`);
  }
  for (const e of data.edges) {
    const a = model.get(e.source)!;
    const b = model.get(e.target)!;
    const c = STRONG_RELATIONS.has(e.relation) ? palette.edgeStrong : palette.edge;
    out.push(`<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" stroke="${css(c)}" stroke-width="${stroke * 1.5}"><title>${esc(e.relation)}</title></line>`);
  }
  for (const n of data.nodes) {
    const r = nodeRadius(n.folded);
    const ring = n.folded > 0 ? ` stroke="${css(palette.ring)}" stroke-width="${r * 0.2}"` : "";
    const label = n.folded > 0 ? `${n.name} (+${n.folded})` : n.name;
    out.push(`<g><circle cx="${n.x}" cy="${n.y}" r="${r}" fill="${css(palette.health[n.health] ?? palette.health.unknown)}"${ring}><title>${esc(`${n.kind} ${n.namespace ? `${n.namespace}/` : ""}${n.name} · ${n.health}`)}</title></circle><text x="${n.x}" y="${n.y + r + 11}" font-size="11" text-anchor="middle" fill="${palette.text}">${esc(label)}</text></g>`);
  }
  out.push("</svg>\n");
  return out.join("\n");
}

/** Offers a file to the user (a temporary object URL; no server round trip). */
export function download(name: string, content: Blob | string, type: string): void {
  const blob = typeof content === "string" ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
