// Colours of the map, per theme. Health colours are the same hues in both themes.
import type { Health } from "./types";

export type Rgba = [number, number, number, number];

export interface Palette {
  background: Rgba;
  boxFill: Rgba;
  boxBorder: Rgba;
  edge: Rgba;
  edgeStrong: Rgba;
  ring: Rgba;
  selected: Rgba;
  text: string;
  mutedText: string;
  health: Record<Health, Rgba>;
}

function hex(h: string, a = 1): Rgba {
  const n = parseInt(h.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255, a];
}

const HEALTH = {
  healthy: hex("#2fa05a"),
  progressing: hex("#3d8fd6"),
  degraded: hex("#e0a020"),
  failed: hex("#d9473f"),
  unknown: hex("#8a8f98"),
};

export const DARK: Palette = {
  background: hex("#14171c"),
  boxFill: hex("#1f242c", 0.9),
  boxBorder: hex("#3a4250"),
  edge: hex("#7b8696", 0.45),
  edgeStrong: hex("#8fb8ff", 0.7),
  ring: hex("#e6e9ef"),
  selected: hex("#ffd54a"),
  text: "#e6e9ef",
  mutedText: "#9aa3b2",
  health: HEALTH,
};

export const LIGHT: Palette = {
  background: hex("#f6f7f9"),
  boxFill: hex("#ffffff", 0.95),
  boxBorder: hex("#c5cbd5"),
  edge: hex("#66707f", 0.4),
  edgeStrong: hex("#2f6fd0", 0.7),
  ring: hex("#1b1f24"),
  selected: hex("#d08a00"),
  text: "#1b1f24",
  mutedText: "#5c6573",
  health: HEALTH,
};

/** Relations that carry traffic or configuration are drawn stronger than ownership. */
export const STRONG_RELATIONS = new Set(["routes-to", "selects", "endpoints", "targets", "backend"]);

export function css(c: Rgba): string {
  return `rgba(${Math.round(c[0] * 255)},${Math.round(c[1] * 255)},${Math.round(c[2] * 255)},${c[3]})`;
}
