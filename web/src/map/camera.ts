// The view: the world point at the centre of the screen and the zoom (screen pixels per
// world unit). Pure arithmetic, tested without a browser.

export interface Camera {
  x: number;
  y: number;
  scale: number;
}

export const MIN_SCALE = 0.002;
export const MAX_SCALE = 8;

export function screenToWorld(c: Camera, width: number, height: number, sx: number, sy: number): [number, number] {
  return [c.x + (sx - width / 2) / c.scale, c.y + (sy - height / 2) / c.scale];
}

export function worldToScreen(c: Camera, width: number, height: number, wx: number, wy: number): [number, number] {
  return [(wx - c.x) * c.scale + width / 2, (wy - c.y) * c.scale + height / 2];
}

/** Zooms by `factor` keeping the world point under (sx, sy) where it is on screen. */
export function zoomAt(c: Camera, width: number, height: number, sx: number, sy: number, factor: number): Camera {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, c.scale * factor));
  const [wx, wy] = screenToWorld(c, width, height, sx, sy);
  return { scale, x: wx - (sx - width / 2) / scale, y: wy - (sy - height / 2) / scale };
}

export function panBy(c: Camera, dx: number, dy: number): Camera {
  return { ...c, x: c.x - dx / c.scale, y: c.y - dy / c.scale };
}

/** The camera that shows the box whole, with a margin. */
export function fit(box: { minX: number; minY: number; maxX: number; maxY: number }, width: number, height: number): Camera {
  const w = Math.max(1, box.maxX - box.minX);
  const h = Math.max(1, box.maxY - box.minY);
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, Math.min(width / w, height / h) * 0.92));
  return { x: (box.minX + box.maxX) / 2, y: (box.minY + box.maxY) / 2, scale: Math.min(scale, 1.5) };
}

/** The world rectangle on screen. */
export function visibleWorld(c: Camera, width: number, height: number): { minX: number; minY: number; maxX: number; maxY: number } {
  const [minX, minY] = screenToWorld(c, width, height, 0, 0);
  const [maxX, maxY] = screenToWorld(c, width, height, width, height);
  return { minX, minY, maxX, maxY };
}
