import { describe, expect, it } from "vitest";
import { CHORD_MS, Shortcuts } from "../src/keys";

describe("shortcuts", () => {
  it("goes to a page with g then a letter", () => {
    const k = new Shortcuts();
    expect(k.press("g", 0, false)).toBeNull();
    expect(k.press("s", 100, false)).toEqual({ action: "go", url: "/status" });
    expect(k.press("s", 200, false)).toBeNull();
  });

  it("forgets g after a while, and on an unknown letter", () => {
    const k = new Shortcuts();
    k.press("g", 0, false);
    expect(k.press("m", CHORD_MS + 1, false)).toBeNull();
    k.press("g", 0, false);
    expect(k.press("z", 10, false)).toBeNull();
    expect(k.press("k", 20, false)).toBeNull();
  });

  it("opens search and help, and ignores keys typed into a field", () => {
    const k = new Shortcuts();
    expect(k.press("/", 0, false)).toEqual({ action: "search" });
    expect(k.press("?", 0, false)).toEqual({ action: "help" });
    expect(k.press("/", 0, true)).toBeNull();
    expect(k.press("g", 0, true)).toBeNull();
    expect(k.press("m", 1, false)).toBeNull();
    expect(k.press("Escape", 0, true)).toEqual({ action: "close" });
  });
});
