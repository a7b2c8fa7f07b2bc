// The korral serve API (docs/server.md): bearer token on every call, one error shape.
import { getToken } from "./auth";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called on a 401: the app forgets the token and shows the sign-in page. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

const CLUSTER_KEY = "korral.cluster";
let currentCluster: string | null = null;

export function cluster(): string {
  if (currentCluster === null) {
    currentCluster = new URLSearchParams(location.search).get("cluster") ?? localStorage.getItem(CLUSTER_KEY) ?? "";
  }
  return currentCluster;
}

export function setCluster(name: string): void {
  currentCluster = name;
  localStorage.setItem(CLUSTER_KEY, name);
}

/** `/api/v1/clusters/{cluster}` + path. */
export function clusterPath(path: string): string {
  return `/api/v1/clusters/${encodeURIComponent(cluster())}${path}`;
}

export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = "error";
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code) code = body.error.code;
  } catch {
    // Not our JSON shape (a proxy's page): the status line says enough.
  }
  return new ApiError(res.status, code, message);
}

/** `probe`: a 401 is the caller's to judge (an older server's answer to an unknown path). */
export async function request(path: string, init: RequestInit = {}, probe = false): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !probe) onUnauthorized();
    throw err;
  }
  return res;
}

export async function getJson<T>(path: string, init?: RequestInit, probe = false): Promise<T> {
  const res = await request(path, init, probe);
  return (await res.json()) as T;
}

export async function getText(path: string, init?: RequestInit): Promise<string> {
  const res = await request(path, init);
  return res.text();
}

export interface ClusterSummary {
  name: string;
  readOnly: boolean;
  objects: number;
  server?: string | null;
}

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    ownerReferences?: { kind: string; name: string; apiVersion: string }[];
    uid?: string;
    resourceVersion?: string;
    managedFields?: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
};

export interface ObjectList {
  items: KubeObject[];
  metadata?: { continue?: string; remainingItemCount?: number };
}

export interface TopologyNode {
  id: string;
  kind: string;
  group?: string;
  namespace?: string | null;
  name: string;
}
export interface TopologyEdge {
  source: string;
  target: string;
  relation: string;
}
export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  problems?: { kind: string; object: string; message: string }[];
}

export interface Change {
  id: unknown;
  change: "create" | "update" | "prune";
  diff: string;
}
export interface ApplyAnswer {
  dryRun: boolean;
  changes: Change[];
  outcome?: { result?: unknown; revision?: number; failures?: unknown[]; applied?: unknown[] } | null;
}

export interface HistoryVersion {
  seq: number;
  at: string;
  change: string;
  resourceVersion?: string | null;
  managers: string[];
  object: KubeObject;
}

export interface EventItem extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
}
