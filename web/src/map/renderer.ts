// The map's WebGL2 renderer: three instanced draws (namespace boxes, edges, nodes), one
// quad each, so 60,000 nodes cost three draw calls; labels go on a 2D canvas above, only
// for what is on screen and only when zoomed in enough to read them.
import type { Camera } from "./camera";
import { visibleWorld } from "./camera";
import type { MapModel } from "./model";
import type { Palette, Rgba } from "./palette";
import { STRONG_RELATIONS } from "./palette";
import { NODE_RADIUS } from "./types";

const HEADER = `#version 300 es
precision highp float;
uniform vec2 u_center;
uniform float u_scale;
uniform vec2 u_viewport;
vec4 toClip(vec2 screen) {
  vec2 c = screen / (u_viewport * 0.5);
  return vec4(c.x, -c.y, 0.0, 1.0);
}
`;

const NODE_VS = `${HEADER}
layout(location = 0) in vec2 corner;
layout(location = 1) in vec2 pos;
layout(location = 2) in float radius;
layout(location = 3) in vec4 color;
layout(location = 4) in vec4 ring;
out vec2 v_local;
out vec4 v_color;
out vec4 v_ring;
out float v_r;
void main() {
  float r = max(radius * u_scale, 1.5);
  float outer = r + 1.5;
  gl_Position = toClip((pos - u_center) * u_scale + corner * outer);
  v_local = corner * outer;
  v_color = color;
  v_ring = ring;
  v_r = r;
}`;

const NODE_FS = `#version 300 es
precision highp float;
in vec2 v_local;
in vec4 v_color;
in vec4 v_ring;
in float v_r;
out vec4 outColor;
void main() {
  float d = length(v_local);
  float a = clamp(v_r + 0.5 - d, 0.0, 1.0);
  if (a <= 0.0) discard;
  vec4 c = v_color;
  float rw = max(1.5, v_r * 0.2);
  if (v_ring.a > 0.0 && d > v_r - rw && v_r > 3.0) c = vec4(v_ring.rgb, v_ring.a * v_color.a);
  outColor = vec4(c.rgb * c.a * a, c.a * a);
}`;

const EDGE_VS = `${HEADER}
uniform float u_width;
layout(location = 0) in vec2 corner;
layout(location = 1) in vec2 a;
layout(location = 2) in vec2 b;
layout(location = 3) in vec4 color;
out float v_t;
out vec4 v_color;
void main() {
  vec2 sa = (a - u_center) * u_scale;
  vec2 sb = (b - u_center) * u_scale;
  vec2 d = sb - sa;
  float len = length(d);
  vec2 n = len > 0.0 ? vec2(-d.y, d.x) / len : vec2(0.0, 1.0);
  gl_Position = toClip(mix(sa, sb, corner.x) + n * corner.y * u_width * 0.5);
  v_t = corner.x;
  v_color = color;
}`;

const EDGE_FS = `#version 300 es
precision highp float;
in float v_t;
in vec4 v_color;
out vec4 outColor;
void main() {
  // Fainter at the source, stronger at the target: the direction without arrowheads.
  float a = v_color.a * mix(0.35, 1.0, v_t);
  outColor = vec4(v_color.rgb * a, a);
}`;

const BOX_VS = `${HEADER}
layout(location = 0) in vec2 corner;
layout(location = 1) in vec4 rect;
out vec2 v_px;
out vec2 v_size;
void main() {
  vec2 p = rect.xy + corner * rect.zw;
  gl_Position = toClip((p - u_center) * u_scale);
  v_size = rect.zw * u_scale;
  v_px = corner * v_size;
}`;

const BOX_FS = `#version 300 es
precision highp float;
uniform vec4 u_fill;
uniform vec4 u_border;
in vec2 v_px;
in vec2 v_size;
out vec4 outColor;
void main() {
  float e = min(min(v_px.x, v_px.y), min(v_size.x - v_px.x, v_size.y - v_px.y));
  vec4 c = e < 1.2 ? u_border : u_fill;
  outColor = vec4(c.rgb * c.a, c.a);
}`;

interface Program {
  program: WebGLProgram;
  uniforms: Record<string, WebGLUniformLocation | null>;
}

function compile(gl: WebGL2RenderingContext, vs: string, fs: string, names: string[]): Program {
  const program = gl.createProgram()!;
  for (const [type, src] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]] as const) {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, src);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader) ?? ""}`);
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program) ?? ""}`);
  const uniforms: Program["uniforms"] = {};
  for (const n of ["u_center", "u_scale", "u_viewport", ...names]) uniforms[n] = gl.getUniformLocation(program, n);
  return { program, uniforms };
}

/** One instanced layer: a static quad and a buffer of per-instance attributes. */
class Layer {
  readonly vao: WebGLVertexArrayObject;
  readonly buffer: WebGLBuffer;
  count = 0;

  constructor(
    gl: WebGL2RenderingContext,
    quad: WebGLBuffer,
    /** [location, size] per attribute, in order, floats. */
    attributes: [number, number][],
  ) {
    this.vao = gl.createVertexArray()!;
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, quad);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    this.buffer = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    const stride = attributes.reduce((s, [, n]) => s + n, 0) * 4;
    let offset = 0;
    for (const [loc, size] of attributes) {
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, size, gl.FLOAT, false, stride, offset);
      gl.vertexAttribDivisor(loc, 1);
      offset += size * 4;
    }
    gl.bindVertexArray(null);
  }

  upload(gl: WebGL2RenderingContext, data: Float32Array, count: number): void {
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.DYNAMIC_DRAW);
    this.count = count;
  }
}

/** The text cut to `chars` characters, the middle elided (names differ at their ends). */
export function fitText(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const head = Math.ceil((chars - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (chars - 1 - head))}`;
}

export function nodeRadius(folded: number): number {
  return folded > 0 ? NODE_RADIUS * (1.2 + Math.min(1.3, Math.log10(folded + 1) * 0.6)) : NODE_RADIUS;
}

export interface Drawn {
  nodes: number;
  edges: number;
}

export class MapRenderer {
  private gl: WebGL2RenderingContext;
  private nodeProgram: Program;
  private edgeProgram: Program;
  private boxProgram: Program;
  private nodes: Layer;
  private edges: Layer;
  private boxes: Layer;
  private uploaded = -1;
  private width = 1;
  private height = 1;
  private dpr = 1;
  camera: Camera = { x: 0, y: 0, scale: 1 };
  /** Nodes to keep bright (focus); the others are dimmed. Null: all bright. */
  highlight: Set<string> | null = null;
  selected: string | null = null;
  private styleKey = "";

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly labels: HTMLCanvasElement,
    public model: MapModel,
    public palette: Palette,
  ) {
    const gl = canvas.getContext("webgl2", { antialias: false, alpha: false, preserveDrawingBuffer: false });
    if (!gl) throw new Error("this browser has no WebGL2; the map needs it (any browser of the last five years has it)");
    this.gl = gl;
    const quad = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, quad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    const edgeQuad = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, edgeQuad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, -1, 1, -1, 0, 1, 1, 1]), gl.STATIC_DRAW);
    const unitQuad = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, unitQuad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    this.nodeProgram = compile(gl, NODE_VS, NODE_FS, []);
    this.edgeProgram = compile(gl, EDGE_VS, EDGE_FS, ["u_width"]);
    this.boxProgram = compile(gl, BOX_VS, BOX_FS, ["u_fill", "u_border"]);
    this.nodes = new Layer(gl, quad, [[1, 2], [2, 1], [3, 4], [4, 4]]);
    this.edges = new Layer(gl, edgeQuad, [[1, 2], [2, 2], [3, 4]]);
    this.boxes = new Layer(gl, unitQuad, [[1, 4]]);
  }

  resize(): void {
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    const w = Math.max(1, this.canvas.clientWidth);
    const h = Math.max(1, this.canvas.clientHeight);
    if (w === this.width && h === this.height && dpr === this.dpr) return;
    this.width = w;
    this.height = h;
    this.dpr = dpr;
    for (const c of [this.canvas, this.labels]) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
  }

  size(): [number, number] {
    return [this.width, this.height];
  }

  /** Re-uploads the instance buffers when the model or the styling changed. */
  private sync(): void {
    const key = `${this.selected ?? ""}|${this.highlight ? this.highlight.size : -1}|${this.palette.text}`;
    if (this.uploaded === this.model.version && key === this.styleKey) return;
    this.uploaded = this.model.version;
    this.styleKey = key;
    const gl = this.gl;
    const m = this.model;
    const p = this.palette;
    const dim = (id: string): number => (this.highlight && !this.highlight.has(id) ? 0.15 : 1);
    const nd = new Float32Array(m.nodes.length * 11);
    m.nodes.forEach((n, i) => {
      const c = p.health[n.health] ?? p.health.unknown;
      const ring: Rgba = n.id === this.selected ? p.selected : n.folded > 0 ? p.ring : [0, 0, 0, 0];
      nd.set([n.x, n.y, nodeRadius(n.folded), c[0], c[1], c[2], dim(n.id), ...ring], i * 11);
    });
    this.nodes.upload(gl, nd, m.nodes.length);
    const ed = new Float32Array(m.edges.length * 8);
    let k = 0;
    for (const e of m.edges) {
      const a = m.get(e.source);
      const b = m.get(e.target);
      if (!a || !b) continue;
      const c = STRONG_RELATIONS.has(e.relation) ? p.edgeStrong : p.edge;
      const alpha = c[3] * Math.min(dim(e.source), dim(e.target));
      ed.set([a.x, a.y, b.x, b.y, c[0], c[1], c[2], alpha], k * 8);
      k++;
    }
    this.edges.upload(gl, ed, k);
    const bd = new Float32Array(m.namespaces.length * 4);
    m.namespaces.forEach((b, i) => bd.set([b.x, b.y, b.width, b.height], i * 4));
    this.boxes.upload(gl, bd, m.namespaces.length);
  }

  private use(p: Program): void {
    const gl = this.gl;
    gl.useProgram(p.program);
    gl.uniform2f(p.uniforms.u_center!, this.camera.x, this.camera.y);
    gl.uniform1f(p.uniforms.u_scale!, this.camera.scale);
    gl.uniform2f(p.uniforms.u_viewport!, this.width, this.height);
  }

  /** Draws one frame; returns how many nodes and edges are on screen. */
  render(): Drawn {
    this.resize();
    this.sync();
    const gl = this.gl;
    const p = this.palette;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(p.background[0], p.background[1], p.background[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    this.use(this.boxProgram);
    gl.uniform4fv(this.boxProgram.uniforms.u_fill!, p.boxFill);
    gl.uniform4fv(this.boxProgram.uniforms.u_border!, p.boxBorder);
    gl.bindVertexArray(this.boxes.vao);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.boxes.count);
    this.use(this.edgeProgram);
    gl.uniform1f(this.edgeProgram.uniforms.u_width!, this.camera.scale > 0.3 ? 1.5 : 1);
    gl.bindVertexArray(this.edges.vao);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.edges.count);
    this.use(this.nodeProgram);
    gl.bindVertexArray(this.nodes.vao);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.nodes.count);
    gl.bindVertexArray(null);
    return this.drawLabels();
  }

  /** Labels on the 2D canvas; counts what is on screen on the way. */
  private drawLabels(): Drawn {
    const ctx = this.labels.getContext("2d")!;
    const { scale } = this.camera;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    const view = visibleWorld(this.camera, this.width, this.height);
    const margin = NODE_RADIUS * 3;
    const sx = (x: number): number => (x - this.camera.x) * scale + this.width / 2;
    const sy = (y: number): number => (y - this.camera.y) * scale + this.height / 2;
    ctx.textBaseline = "top";
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.fillStyle = this.palette.mutedText;
    for (const b of this.model.namespaces) {
      if (b.x > view.maxX || b.y > view.maxY || b.x + b.width < view.minX || b.y + b.height < view.minY) continue;
      if (b.width * scale < 50) continue;
      ctx.fillText(b.name || "(cluster)", Math.max(sx(b.x) + 6, 4), Math.max(sy(b.y) + 5, 4), b.width * scale - 10);
    }
    let nodes = 0;
    const onScreen: number[] = [];
    this.model.nodes.forEach((n, i) => {
      if (n.x < view.minX - margin || n.x > view.maxX + margin || n.y < view.minY - margin || n.y > view.maxY + margin) return;
      nodes++;
      onScreen.push(i);
    });
    let edges = 0;
    for (const e of this.model.edges) {
      const a = this.model.get(e.source);
      const b = this.model.get(e.target);
      if (!a || !b) continue;
      if (Math.max(a.x, b.x) < view.minX || Math.min(a.x, b.x) > view.maxX || Math.max(a.y, b.y) < view.minY || Math.min(a.y, b.y) > view.maxY) continue;
      edges++;
    }
    // Labels only where they fit: the room is the layout's cell width on screen.
    const room = this.model.cellWidth * scale - 4;
    const chars = Math.floor(room / 6.2);
    if (chars >= 6 && onScreen.length <= 1500) {
      ctx.textAlign = "center";
      ctx.font = "11px system-ui, sans-serif";
      for (const i of onScreen) {
        const n = this.model.nodes[i]!;
        const r = nodeRadius(n.folded) * scale;
        const x = sx(n.x);
        const y = sy(n.y) + r + 2;
        ctx.fillStyle = this.highlight && !this.highlight.has(n.id) ? this.palette.mutedText : this.palette.text;
        ctx.fillText(fitText(n.folded > 0 ? `${n.name} (+${n.folded})` : n.name, chars), x, y, room);
        if (scale >= 0.9) {
          ctx.fillStyle = this.palette.mutedText;
          ctx.fillText(fitText(n.kind, chars), x, y + 13, room);
        }
      }
      ctx.textAlign = "start";
    }
    return { nodes, edges };
  }

  /** The node under a point of the screen (CSS pixels), if any. */
  nodeAt(x: number, y: number): string | null {
    const wx = this.camera.x + (x - this.width / 2) / this.camera.scale;
    const wy = this.camera.y + (y - this.height / 2) / this.camera.scale;
    let best: string | null = null;
    let bestD = Infinity;
    const slack = 4 / this.camera.scale;
    for (const n of this.model.nodes) {
      const d = Math.hypot(n.x - wx, n.y - wy);
      const r = Math.max(nodeRadius(n.folded), 1.5 / this.camera.scale) + slack;
      if (d <= r && d < bestD) {
        bestD = d;
        best = n.id;
      }
    }
    return best;
  }

  /** The frame as a PNG: the WebGL canvas and the labels, drawn right after a render. */
  async png(): Promise<Blob> {
    this.render();
    const out = document.createElement("canvas");
    out.width = this.canvas.width;
    out.height = this.canvas.height;
    const ctx = out.getContext("2d")!;
    ctx.drawImage(this.canvas, 0, 0);
    ctx.drawImage(this.labels, 0, 0);
    return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser made no PNG"))), "image/png"));
  }

  dispose(): void {
    this.gl.getExtension("WEBGL_lose_context")?.loseContext();
  }
}
