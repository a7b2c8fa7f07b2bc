// The watch WebSocket (docs/history.md, "Live: the watch WebSocket"). A browser cannot
// send the bearer header on a WebSocket, so each connection takes a one-use ticket;
// after a drop it reconnects with `since=` the last seq seen, and the server replays
// what was missed (or sends a `resync` and a fresh `state`).
import { cluster, getJson, query } from "./api";

export interface WsMessage {
  type: "state" | "diff" | "resync" | "heartbeat" | "error";
  seq: number;
  topic?: "objects" | "topology" | "events";
  [key: string]: unknown;
}

export interface LiveOptions {
  topics: string[];
  namespace?: string | null;
  kind?: string | null;
  /** Start after this seq (the map's `seq`): diffs only, no `state` needed. */
  since?: number | null;
  onMessage: (m: WsMessage) => void;
  onStatus?: (s: "connecting" | "open" | "closed") => void;
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private closed = false;
  private seq: number | null;
  private retry = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: LiveOptions) {
    this.seq = options.since ?? null;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.options.onStatus?.("connecting");
    let ticket: string;
    try {
      ticket = (await getJson<{ ticket: string }>("/api/v1/ws-ticket", { method: "POST" })).ticket;
    } catch {
      this.later();
      return;
    }
    if (this.closed) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const q = query({
      ticket,
      cluster: cluster(),
      topics: this.options.topics.join(","),
      namespace: this.options.namespace,
      kind: this.options.kind,
      since: this.seq,
    });
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/watch${q}`);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      this.options.onStatus?.("open");
    };
    ws.onmessage = (ev) => {
      let m: WsMessage;
      try {
        m = JSON.parse(String(ev.data)) as WsMessage;
      } catch {
        return;
      }
      if (typeof m.seq === "number") this.seq = Math.max(this.seq ?? 0, m.seq);
      this.options.onMessage(m);
    };
    ws.onclose = () => {
      this.ws = null;
      this.options.onStatus?.("closed");
      this.later();
    };
  }

  private later(): void {
    if (this.closed) return;
    // 0.5 s, 1 s, 2 s … up to 15 s between attempts.
    const delay = Math.min(15_000, 500 * 2 ** this.retry++);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
  }
}
