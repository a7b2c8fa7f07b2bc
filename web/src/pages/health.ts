// What a pod's status says, as `kubectl get pods` prints it: ready containers, the
// status (a waiting or terminated reason before the phase), restarts.
import type { KubeObject } from "../api";
import type { Health } from "../map/types";

interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
}

export function podSummary(pod: KubeObject): { ready: string; status: string; restarts: number; health: Health } {
  const status = (pod.status ?? {}) as { phase?: string; reason?: string; containerStatuses?: ContainerStatus[] };
  const spec = (pod.spec ?? {}) as { containers?: unknown[] };
  const cs = status.containerStatuses ?? [];
  const total = spec.containers?.length ?? cs.length;
  const ready = cs.filter((c) => c.ready).length;
  const restarts = cs.reduce((s, c) => s + (c.restartCount ?? 0), 0);
  const reason = cs.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find((r) => r);
  const phase = status.phase ?? "Unknown";
  const shown = status.reason ?? reason ?? phase;
  let health: Health = "unknown";
  if (phase === "Succeeded") health = "healthy";
  else if (phase === "Failed" || /CrashLoop|Err|OOM|BackOff|Invalid/.test(shown)) health = "failed";
  else if (phase === "Running") health = ready === total ? "healthy" : "degraded";
  else if (phase === "Pending") health = "progressing";
  return { ready: `${ready}/${total}`, status: shown, restarts, health };
}
