// CodeMirror 6 for YAML: the editor and the side-by-side diff of two texts. Colours come
// from CSS variables, so one setup follows the dark and light themes.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { bracketMatching, foldGutter, HighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { MergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import type { Extension } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

const highlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "var(--hl-key)" },
  { tag: [t.string, t.special(t.string), t.content], color: "var(--hl-string)" },
  { tag: [t.number, t.bool, t.null, t.keyword, t.atom], color: "var(--hl-atom)" },
  { tag: [t.comment, t.lineComment], color: "var(--hl-comment)", fontStyle: "italic" },
  { tag: [t.meta, t.punctuation, t.separator, t.labelName, t.typeName], color: "var(--hl-meta)" },
]);

function base(readOnly: boolean): Extension[] {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    foldGutter(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    history(),
    keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
    yaml(),
    syntaxHighlighting(highlight),
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(!readOnly),
    EditorView.lineWrapping,
  ];
}

export function createEditor(parent: HTMLElement, doc: string, readOnly: boolean, onChange: (text: string) => void): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        ...base(readOnly),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
}

export function setText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

/** Two texts side by side, changes marked; read-only. */
export function createDiff(parent: HTMLElement, a: string, b: string): MergeView {
  return new MergeView({
    parent,
    a: { doc: a, extensions: base(true) },
    b: { doc: b, extensions: base(true) },
    collapseUnchanged: { margin: 3, minSize: 6 },
    gutter: true,
  });
}
