// An object as YAML to edit and apply: the fields the server owns are left out (status,
// managedFields, uid, creation time). `resourceVersion` stays in sight: the page compares
// it with the server's before a dry run, to say when someone changed the object meanwhile.
import { parseDocument, stringify } from "yaml";
import type { KubeObject } from "../api";

export const REDACTED = "korral.io/redacted";

export function editable(o: KubeObject): KubeObject {
  const copy = structuredClone(o);
  delete copy.status;
  if (copy.metadata) {
    delete copy.metadata.managedFields;
    delete copy.metadata.uid;
    delete copy.metadata.creationTimestamp;
    delete (copy.metadata as Record<string, unknown>).generation;
  }
  return copy;
}

/** The YAML of a version for a diff: without what changes at every write. */
export function forDiff(o: KubeObject): string {
  const copy = structuredClone(o);
  if (copy.metadata) {
    delete copy.metadata.managedFields;
    delete copy.metadata.resourceVersion;
  }
  return toYaml(copy);
}

export function toYaml(o: unknown): string {
  return stringify(o, { lineWidth: 0, aliasDuplicateObjects: false });
}

export interface Checked {
  error: string | null;
  object: KubeObject | null;
}

/** Parses the editor's text: syntax errors with their line, and the object it holds. */
export function check(text: string, original: { kind?: string; name?: string; namespace?: string | null }): Checked {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    return { error: `${line ? `line ${line}: ` : ""}${e.message.split("\n")[0]}`, object: null };
  }
  const value = doc.toJS() as unknown;
  if (!value || typeof value !== "object" || Array.isArray(value)) return { error: "the text must be one object (a mapping with apiVersion, kind, metadata)", object: null };
  const o = value as KubeObject;
  if (!o.apiVersion || !o.kind || !o.metadata?.name) return { error: "the object needs apiVersion, kind and metadata.name", object: null };
  if (original.kind && o.kind !== original.kind) return { error: `kind is \`${o.kind}\` here, \`${original.kind}\` on the server: this page edits that one object`, object: null };
  if (original.name && o.metadata.name !== original.name) return { error: `metadata.name is \`${o.metadata.name}\`, not \`${original.name}\`: renaming makes a new object; create it with korral deploy`, object: null };
  if ((o.metadata.namespace ?? null) !== (original.namespace ?? null) && original.namespace) return { error: `metadata.namespace is \`${o.metadata.namespace ?? ""}\`, not \`${original.namespace}\``, object: null };
  return { error: null, object: o };
}

/** What to tell a user about a refused apply, with what to do. */
export function explainApplyError(status: number, code: string, message: string): string {
  if (code === "read_only") return `${message}`;
  const lower = message.toLowerCase();
  if (lower.includes("field manager") || lower.includes("conflict")) {
    return `${message}\n\nAnother writer owns some of these fields, or the object changed since you opened it: reload to get the latest version, make your change again, and apply.`;
  }
  if (lower.includes("the object has been modified") || lower.includes("resourceversion")) {
    return `${message}\n\nThe object changed on the server since you opened it: reload and make your change again.`;
  }
  if (status === 422) return `the cluster refused it: ${message}`;
  return message;
}
