import { describe, expect, it } from "vitest";
import { fit, MAX_SCALE, panBy, screenToWorld, worldToScreen, zoomAt } from "../src/map/camera";

describe("camera", () => {
  const c = { x: 100, y: 50, scale: 2 };
  it("maps screen to world and back", () => {
    const [wx, wy] = screenToWorld(c, 800, 600, 10, 20);
    expect(worldToScreen(c, 800, 600, wx, wy)).toEqual([10, 20]);
    expect(screenToWorld(c, 800, 600, 400, 300)).toEqual([100, 50]);
  });

  it("zooms about the pointer: the world point under it stays", () => {
    const before = screenToWorld(c, 800, 600, 123, 456);
    const z = zoomAt(c, 800, 600, 123, 456, 1.7);
    const after = screenToWorld(z, 800, 600, 123, 456);
    expect(after[0]).toBeCloseTo(before[0]);
    expect(after[1]).toBeCloseTo(before[1]);
    expect(z.scale).toBeCloseTo(3.4);
    expect(zoomAt(c, 800, 600, 0, 0, 1e9).scale).toBe(MAX_SCALE);
  });

  it("pans by screen pixels", () => {
    expect(panBy(c, 20, -10)).toEqual({ x: 90, y: 55, scale: 2 });
  });

  it("fits a box on screen", () => {
    const f = fit({ minX: 0, minY: 0, maxX: 1000, maxY: 500 }, 500, 500);
    expect(f.x).toBe(500);
    expect(f.y).toBe(250);
    expect(f.scale * 1000).toBeLessThanOrEqual(500);
  });
});
