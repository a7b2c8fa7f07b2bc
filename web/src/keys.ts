// Keyboard shortcuts: `/` search, `?` help, `g` then a letter to go to a page. A small
// state machine, kept apart from the DOM so it can be tested.

export const GO_KEYS: Record<string, { label: string; url: string }> = {
  m: { label: "map", url: "/map" },
  k: { label: "kinds (resource browser)", url: "/kinds" },
  s: { label: "status", url: "/status" },
  a: { label: "audit", url: "/audit" },
  e: { label: "events", url: "/events" },
};

export type KeyAction =
  | { action: "search" }
  | { action: "help" }
  | { action: "close" }
  | { action: "go"; url: string }
  | { action: "theme" }
  | null;

/** How long after `g` a second key still counts (ms). */
export const CHORD_MS = 1500;

export class Shortcuts {
  /** When `g` was pressed, waiting for its letter. */
  private pendingG: number | null = null;

  /** The action for one key press at `now`; `typing` when focus is in a text field. */
  press(key: string, now: number, typing: boolean): KeyAction {
    if (key === "Escape") {
      this.pendingG = null;
      return { action: "close" };
    }
    if (typing) return null;
    if (this.pendingG !== null && now - this.pendingG <= CHORD_MS) {
      this.pendingG = null;
      const go = GO_KEYS[key];
      return go ? { action: "go", url: go.url } : null;
    }
    this.pendingG = null;
    switch (key) {
      case "/":
        return { action: "search" };
      case "?":
        return { action: "help" };
      case "t":
        return { action: "theme" };
      case "g":
        this.pendingG = now;
        return null;
    }
    return null;
  }
}
