// The map's WebGL2 renderer: three draws (namespace boxes, edges as lines, nodes as
// points), so 60,000 nodes cost three draw calls; labels go on a 2D canvas above, only
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

// Nodes are points and edges are lines: one vertex per node and two per edge, no
// instancing. Measured in headless Chromium's software GL (SwiftShader), where an
// instanced quad per node and edge took seconds a frame at 60,000 nodes and 130,000 edges.
const NODE_VS = `${HEADER}
uniform float u_dpr;
layout(location = 0) in vec2 pos;
layout(location = 1) in float radius;
layout(location = 2) in vec4 color;
layout(location = 3) in vec4 ring;
out vec4 v_color;
out vec4 v_ring;
out float v_r;
void main() {
  float r = max(radius * u_scale, 1.5);
  gl_Position = toClip((pos - u_center) * u_scale);
  gl_PointSize = min((r + 1.5) * 2.0 * u_dpr, 256.0);
  v_color = color;
  v_ring = ring;
  v_r = r * u_dpr;
}`;

const NODE_FS = `#version 300 es
precision highp float;
in vec4 v_color;
in vec4 v_ring;
in float v_r;
out vec4 outColor;
void main() {
  float outer = v_r + 1.5;
  float d = length(gl_PointCoord * 2.0 - 1.0) * outer;
  float a = clamp(v_r + 0.5 - d, 0.0, 1.0);
  if (a <= 0.0) discard;
  vec4 c = v_color;
  float rw = max(1.5, v_r * 0.2);
  if (v_ring.a > 0.0 && d > v_r - rw && v_r > 3.0) c = vec4(v_ring.rgb, v_ring.a * v_color.a);
  outColor = vec4(c.rgb * c.a * a, c.a * a);
}`;

const EDGE_VS = `${HEADER}
layout(location = 0) in vec2 pos;
layout(location = 1) in vec4 color;
out vec4 v_color;
void main() {
  gl_Position = toClip((pos - u_center) * u_scale);
  v_color = color;
}`;

const EDGE_FS = `#version 300 es
precision highp float;
in vec4 v_color;
out vec4 outColor;
void main() {
  outColor = vec4(v_color.rgb * v_color.a, v_color.a);
}`;

const BLIT_VS = `${HEADER}
uniform vec4 u_rect;
layout(location = 0) in vec2 corner;
out vec2 v_uv;
void main() {
  gl_Position = toClip((u_rect.xy + corner * u_rect.zw - u_center) * u_scale);
  v_uv = vec2(corner.x, 1.0 - corner.y);
}`;

const BLIT_FS = `#version 300 es
precision highp float;
uniform sampler2D u_tex;
in vec2 v_uv;
out vec4 outColor;
void main() {
  outColor = texture(u_tex, v_uv);
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

const NODE_FLOATS = 11;
const EDGE_FLOATS = 12;
/** Above this many points and lines on the GPU, the scene is drawn through a texture. */
const CACHE_ABOVE = 8000;
/** The zoom step at which what is drawn is chosen again. */
const ZOOM_STEP = 1.25;
const SEVERITY: Record<string, number> = { unknown: 0, healthy: 1, progressing: 2, degraded: 3, failed: 4 };

/**
 * An open-addressing table from four cell numbers to the first item that had them:
 * `slot` answers that item, or takes `item` for a new key. Typed arrays, no strings:
 * 130,000 edges in a few milliseconds.
 */
export class CellTable {
  private keys: Int32Array;
  private items: Int32Array;
  private mask: number;

  constructor(count: number) {
    let size = 16;
    while (size < count * 2) size *= 2;
    this.mask = size - 1;
    this.keys = new Int32Array(size * 4);
    this.items = new Int32Array(size).fill(-1);
  }

  slot(a: number, b: number, c: number, d: number, item: number): number {
    let h = Math.imul(a, 73856093) ^ Math.imul(b, 19349663) ^ Math.imul(c, 83492791) ^ Math.imul(d, 2654435761);
    h = (h ^ (h >>> 15)) & this.mask;
    for (;;) {
      const at = this.items[h]!;
      if (at < 0) {
        this.items[h] = item;
        this.keys.set([a, b, c, d], h * 4);
        return item;
      }
      const k = h * 4;
      if (this.keys[k] === a && this.keys[k + 1] === b && this.keys[k + 2] === c && this.keys[k + 3] === d) return at;
      h = (h + 1) & this.mask;
    }
  }
}

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

/** One layer: a buffer of attributes per item, instanced over a static quad or not. */
class Layer {
  readonly vao: WebGLVertexArrayObject;
  readonly buffer: WebGLBuffer;
  count = 0;

  constructor(
    gl: WebGL2RenderingContext,
    /** A static quad for instanced layers; none: one vertex per item. */
    quad: WebGLBuffer | null,
    /** [location, size] per attribute, in order, floats. */
    attributes: [number, number][],
  ) {
    this.vao = gl.createVertexArray()!;
    gl.bindVertexArray(this.vao);
    if (quad) {
      gl.bindBuffer(gl.ARRAY_BUFFER, quad);
      gl.enableVertexAttribArray(0);
      gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    }
    this.buffer = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    const stride = attributes.reduce((s, [, n]) => s + n, 0) * 4;
    let offset = 0;
    for (const [loc, size] of attributes) {
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, size, gl.FLOAT, false, stride, offset);
      if (quad) gl.vertexAttribDivisor(loc, 1);
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
  /** Each edge's ends (ax, ay, bx, by): counted on screen per frame. */
  private edgeEnds = new Float32Array(0);
  private edgeCount = 0;
  private edgeAll = new Float32Array(0);
  private nodeAll = new Float32Array(0);
  private nodeSeverity = new Uint8Array(0);
  private cullKey = "";
  private blitProgram: Program;
  private blit: WebGLVertexArrayObject;
  private maxTexture = 4096;
  private texture: WebGLTexture | null = null;
  private framebuffer: WebGLFramebuffer | null = null;
  private texSize: [number, number] = [0, 0];
  private cacheKey = "";
  /** The model, style and size the cached texture was drawn for. */
  private cacheValid = "";
  private cacheScale = 0;
  private cacheRect = { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  /** What the last cull gave the GPU to draw (for benchmarks). */
  readonly onGpu = { nodes: 0, edges: 0 };
  private region = { minX: 0, minY: 0, maxX: 0, maxY: 0 };

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly labels: HTMLCanvasElement,
    public model: MapModel,
    public palette: Palette,
  ) {
    const gl = canvas.getContext("webgl2", { antialias: false, alpha: false, preserveDrawingBuffer: false });
    if (!gl) throw new Error("this browser has no WebGL2; the map needs it (any browser of the last five years has it)");
    this.gl = gl;
    const unitQuad = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, unitQuad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    this.nodeProgram = compile(gl, NODE_VS, NODE_FS, ["u_dpr"]);
    this.edgeProgram = compile(gl, EDGE_VS, EDGE_FS, []);
    this.boxProgram = compile(gl, BOX_VS, BOX_FS, ["u_fill", "u_border"]);
    this.nodes = new Layer(gl, null, [[0, 2], [1, 1], [2, 4], [3, 4]]);
    this.edges = new Layer(gl, null, [[0, 2], [1, 4]]);
    this.boxes = new Layer(gl, unitQuad, [[1, 4]]);
    this.blitProgram = compile(gl, BLIT_VS, BLIT_FS, ["u_rect", "u_tex"]);
    this.blit = gl.createVertexArray()!;
    gl.bindVertexArray(this.blit);
    gl.bindBuffer(gl.ARRAY_BUFFER, unitQuad);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.bindVertexArray(null);
    this.maxTexture = Math.min(8192, gl.getParameter(gl.MAX_TEXTURE_SIZE) as number);
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

  /** Builds the vertex data of the whole map when the model or the styling changed. */
  private sync(): void {
    const key = `${this.selected ?? ""}|${this.highlight ? this.highlight.size : -1}|${this.palette.text}`;
    if (this.uploaded === this.model.version && key === this.styleKey) return;
    this.uploaded = this.model.version;
    this.styleKey = key;
    this.cullKey = "";
    const m = this.model;
    const p = this.palette;
    const dim = (id: string): number => (this.highlight && !this.highlight.has(id) ? 0.15 : 1);
    const nd = new Float32Array(m.nodes.length * NODE_FLOATS);
    const severity = new Uint8Array(m.nodes.length);
    m.nodes.forEach((n, i) => {
      const c = p.health[n.health] ?? p.health.unknown;
      const ring: Rgba = n.id === this.selected ? p.selected : n.folded > 0 ? p.ring : [0, 0, 0, 0];
      nd.set([n.x, n.y, nodeRadius(n.folded), c[0], c[1], c[2], dim(n.id), ...ring], i * NODE_FLOATS);
      severity[i] = (SEVERITY[n.health] ?? 0) + (n.id === this.selected ? 10 : 0);
    });
    this.nodeAll = nd;
    this.nodeSeverity = severity;
    // Two vertices per edge (x, y, colour); the source end fainter than the target:
    // the direction without arrowheads.
    const ed = new Float32Array(m.edges.length * EDGE_FLOATS);
    const ends = new Float32Array(m.edges.length * 4);
    let k = 0;
    for (const e of m.edges) {
      const a = m.get(e.source);
      const b = m.get(e.target);
      if (!a || !b) continue;
      const c = STRONG_RELATIONS.has(e.relation) ? p.edgeStrong : p.edge;
      const alpha = c[3] * Math.min(dim(e.source), dim(e.target));
      ed.set([a.x, a.y, c[0], c[1], c[2], alpha * 0.35, b.x, b.y, c[0], c[1], c[2], alpha], k * EDGE_FLOATS);
      ends.set([a.x, a.y, b.x, b.y], k * 4);
      k++;
    }
    this.edgeAll = ed;
    this.edgeEnds = ends;
    this.edgeCount = k;
    const bd = new Float32Array(m.namespaces.length * 4);
    m.namespaces.forEach((b, i) => bd.set([b.x, b.y, b.width, b.height], i * 4));
    this.boxes.upload(this.gl, bd, m.namespaces.length);
  }

  /**
   * Uploads what the GPU draws: the nodes and edges in a region of two screens by two
   * around the view, with edges whose ends fall in the same screen cells (3 px)
   * drawn once, and nodes smaller than a pixel or two one per cell (the most severe
   * health wins). Done again when the zoom moves by a step (×1.25) or the view leaves
   * the region; panning within it costs nothing. At 60,000 nodes and 130,000 edges the
   * overview draws a fraction of them and looks the same.
   */
  private cull(): void {
    const c = this.camera;
    const bucket = Math.round(Math.log(c.scale) / Math.log(ZOOM_STEP));
    const view = visibleWorld(c, this.width, this.height);
    const r = this.region;
    const inside = view.minX >= r.minX && view.maxX <= r.maxX && view.minY >= r.minY && view.maxY <= r.maxY;
    const key = `${this.uploaded}|${this.styleKey}|${bucket}|${this.width}x${this.height}`;
    if (key === this.cullKey && inside) return;
    this.cullKey = key;
    const bw = view.maxX - view.minX;
    const bh = view.maxY - view.minY;
    const region = { minX: view.minX - bw / 2, maxX: view.maxX + bw / 2, minY: view.minY - bh / 2, maxY: view.maxY + bh / 2 };
    this.region = region;
    const scale = ZOOM_STEP ** bucket;
    const cell = 3 / scale;
    // Edges.
    const ends = this.edgeEnds;
    const all = this.edgeAll;
    const out = new Float32Array(this.edgeCount * EDGE_FLOATS);
    const counts = new Uint16Array(this.edgeCount);
    const table = new CellTable(this.edgeCount);
    let n = 0;
    for (let i = 0; i < this.edgeCount; i++) {
      const o = i * 4;
      const ax = ends[o]!;
      const ay = ends[o + 1]!;
      const bx = ends[o + 2]!;
      const by = ends[o + 3]!;
      if ((ax > bx ? ax : bx) < region.minX || (ax < bx ? ax : bx) > region.maxX || (ay > by ? ay : by) < region.minY || (ay < by ? ay : by) > region.maxY) continue;
      // Long edges are bundled in larger cells (a power of two of the 3 px cell, about
      // a twentieth of their length): what a long line costs is its pixels, and many
      // long lines between two places read as one stronger line anyway.
      const len = Math.hypot(bx - ax, by - ay) * scale;
      const level = len > 60 ? Math.min(12, Math.floor(Math.log2(len / 60)) + 1) : 0;
      const size = cell * 2 ** level;
      const slot = table.slot(Math.floor(ax / size), Math.floor(ay / size), Math.floor(bx / size), Math.floor(by / size) * 16 + level, n);
      if (slot !== n) {
        if (counts[slot]! < 65535) counts[slot]!++;
        continue;
      }
      out.set(all.subarray(i * EDGE_FLOATS, (i + 1) * EDGE_FLOATS), n * EDGE_FLOATS);
      counts[n] = 1;
      n++;
    }
    // A bundle of many edges is drawn stronger than one.
    for (let i = 0; i < n; i++) {
      const c = counts[i]!;
      if (c < 2) continue;
      const f = Math.min(2.5, 1 + 0.4 * Math.log2(c));
      const o = i * EDGE_FLOATS;
      out[o + 5] = Math.min(1, out[o + 5]! * f);
      out[o + 11] = Math.min(1, out[o + 11]! * f);
    }
    this.edges.upload(this.gl, out.subarray(0, n * EDGE_FLOATS), n * 2);
    this.onGpu.edges = n;
    // Nodes: one per cell only where they are drawn at their smallest.
    const nodes = this.nodeAll;
    const count = this.nodeSeverity.length;
    const tiny = NODE_RADIUS * scale < 2;
    const nodeCell = 2 / scale;
    const nout = new Float32Array(count * NODE_FLOATS);
    const kept = new Int32Array(count);
    const ntable = new CellTable(tiny ? count : 0);
    let m = 0;
    for (let i = 0; i < count; i++) {
      const x = nodes[i * NODE_FLOATS]!;
      const y = nodes[i * NODE_FLOATS + 1]!;
      if (x < region.minX || x > region.maxX || y < region.minY || y > region.maxY) continue;
      if (tiny && nodes[i * NODE_FLOATS + 2]! <= NODE_RADIUS) {
        const slot = ntable.slot(Math.floor(x / nodeCell), Math.floor(y / nodeCell), 0, 0, m);
        if (slot !== m) {
          if (this.nodeSeverity[i]! > this.nodeSeverity[kept[slot]!]!) {
            kept[slot] = i;
            nout.set(nodes.subarray(i * NODE_FLOATS, (i + 1) * NODE_FLOATS), slot * NODE_FLOATS);
          }
          continue;
        }
      }
      kept[m] = i;
      nout.set(nodes.subarray(i * NODE_FLOATS, (i + 1) * NODE_FLOATS), m * NODE_FLOATS);
      m++;
    }
    this.nodes.upload(this.gl, nout.subarray(0, m * NODE_FLOATS), m);
    this.onGpu.nodes = m;
  }

  private use(p: Program, cam: Camera, width: number, height: number): void {
    const gl = this.gl;
    gl.useProgram(p.program);
    gl.uniform2f(p.uniforms.u_center!, cam.x, cam.y);
    gl.uniform1f(p.uniforms.u_scale!, cam.scale);
    gl.uniform2f(p.uniforms.u_viewport!, width, height);
  }

  /** The boxes, edges and nodes as seen by `cam` on a target of width × height CSS pixels. */
  private drawScene(cam: Camera, width: number, height: number): void {
    const gl = this.gl;
    const p = this.palette;
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    this.use(this.boxProgram, cam, width, height);
    gl.uniform4fv(this.boxProgram.uniforms.u_fill!, p.boxFill);
    gl.uniform4fv(this.boxProgram.uniforms.u_border!, p.boxBorder);
    gl.bindVertexArray(this.boxes.vao);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.boxes.count);
    this.use(this.edgeProgram, cam, width, height);
    gl.bindVertexArray(this.edges.vao);
    gl.drawArrays(gl.LINES, 0, this.edges.count);
    this.use(this.nodeProgram, cam, width, height);
    gl.uniform1f(this.nodeProgram.uniforms.u_dpr!, this.dpr);
    gl.bindVertexArray(this.nodes.vao);
    gl.drawArrays(gl.POINTS, 0, this.nodes.count);
    gl.bindVertexArray(null);
  }

  /**
   * A heavy scene (more than CACHE_ABOVE points and lines) is drawn once into a texture
   * covering the culled region at the current zoom, and each frame of a pan or zoom
   * only draws that texture: one quad instead of tens of thousands of points and lines.
   * The texture is drawn again when the region or the model changes, and at the exact
   * zoom once the map is still (between zoom steps it is scaled, slightly soft).
   */
  private cached(still: boolean): boolean {
    const gl = this.gl;
    if (this.onGpu.nodes + this.onGpu.edges <= CACHE_ABOVE) return false;
    const r = this.region;
    const scale = this.camera.scale;
    const stale = this.cacheKey !== this.cullKey || (still && scale !== this.cacheScale);
    if (stale) {
      this.cacheValid = `${this.uploaded}|${this.styleKey}|${this.width}x${this.height}`;
      const w = Math.ceil((r.maxX - r.minX) * scale);
      const h = Math.ceil((r.maxY - r.minY) * scale);
      const tw = Math.min(this.maxTexture, Math.ceil(w * this.dpr));
      const th = Math.min(this.maxTexture, Math.ceil(h * this.dpr));
      if (!this.texture || tw !== this.texSize[0] || th !== this.texSize[1]) {
        if (this.texture) gl.deleteTexture(this.texture);
        this.texture = gl.createTexture()!;
        gl.bindTexture(gl.TEXTURE_2D, this.texture);
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, tw, th, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
        this.framebuffer ??= gl.createFramebuffer()!;
        gl.bindFramebuffer(gl.FRAMEBUFFER, this.framebuffer);
        gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, this.texture, 0);
        this.texSize = [tw, th];
      }
      gl.bindFramebuffer(gl.FRAMEBUFFER, this.framebuffer);
      gl.viewport(0, 0, tw, th);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      // The texture's pixels per world unit, exactly (its size was rounded).
      const cam = { x: (r.minX + r.maxX) / 2, y: (r.minY + r.maxY) / 2, scale };
      this.drawScene(cam, (r.maxX - r.minX) * scale, (r.maxY - r.minY) * scale);
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      this.cacheKey = this.cullKey;
      this.cacheScale = scale;
      this.cacheRect = { ...r };
    }
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    this.use(this.blitProgram, this.camera, this.width, this.height);
    const c = this.cacheRect;
    gl.uniform4f(this.blitProgram.uniforms.u_rect!, c.minX, c.minY, c.maxX - c.minX, c.maxY - c.minY);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    gl.uniform1i(this.blitProgram.uniforms.u_tex!, 0);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.bindVertexArray(this.blit);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.bindVertexArray(null);
    return true;
  }

  /** Draws one frame; returns how many nodes and edges are on screen. */
  render(labels = true): Drawn {
    this.resize();
    this.sync();
    // While the map moves over a cached scene that still covers the view, nothing is
    // chosen or drawn again: the texture is moved and scaled.
    const v = visibleWorld(this.camera, this.width, this.height);
    const c = this.cacheRect;
    const covered = v.minX >= c.minX && v.maxX <= c.maxX && v.minY >= c.minY && v.maxY <= c.maxY;
    const current = this.texture !== null && this.cacheValid === `${this.uploaded}|${this.styleKey}|${this.width}x${this.height}`;
    if (!(current && covered && !labels)) this.cull();
    else this.cullKey = this.cacheKey;
    const gl = this.gl;
    const p = this.palette;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(p.background[0], p.background[1], p.background[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!this.cached(labels)) {
      gl.viewport(0, 0, this.canvas.width, this.canvas.height);
      this.drawScene(this.camera, this.width, this.height);
    }
    return this.drawLabels(labels);
  }

  /**
   * Labels on the 2D canvas; counts what is on screen on the way. Without `labels` (the
   * map is moving) the canvas is hidden rather than redrawn: a second full-screen layer
   * to composite every frame halved the frame rate in software GL.
   */
  private drawLabels(labels: boolean): Drawn {
    const { scale } = this.camera;
    const view = visibleWorld(this.camera, this.width, this.height);
    const margin = NODE_RADIUS * 3;
    let nodes = 0;
    const onScreen: number[] = [];
    const list = this.model.nodes;
    for (let i = 0; i < list.length; i++) {
      const n = list[i]!;
      if (n.x < view.minX - margin || n.x > view.maxX + margin || n.y < view.minY - margin || n.y > view.maxY + margin) continue;
      nodes++;
      if (onScreen.length <= 1500) onScreen.push(i);
    }
    let edges = 0;
    const ends = this.edgeEnds;
    for (let i = 0; i < this.edgeCount; i++) {
      const o = i * 4;
      const ax = ends[o]!;
      const ay = ends[o + 1]!;
      const bx = ends[o + 2]!;
      const by = ends[o + 3]!;
      if ((ax > bx ? ax : bx) < view.minX || (ax < bx ? ax : bx) > view.maxX || (ay > by ? ay : by) < view.minY || (ay < by ? ay : by) > view.maxY) continue;
      edges++;
    }
    this.labels.style.visibility = labels ? "" : "hidden";
    if (!labels) return { nodes, edges };
    const ctx = this.labels.getContext("2d")!;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
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
    // Labels only where they fit: the room is the layout's cell width on screen.
    const room = this.model.cellWidth * scale - 4;
    const chars = Math.floor(room / 6.2);
    // And room below the node for a line of text before the next row.
    const below = this.model.cellHeight * scale;
    if (chars >= 6 && below >= 30 && nodes <= 1500) {
      ctx.textAlign = "center";
      ctx.font = "11px system-ui, sans-serif";
      for (const i of onScreen) {
        const n = this.model.nodes[i]!;
        const r = nodeRadius(n.folded) * scale;
        const x = sx(n.x);
        const y = sy(n.y) + r + 2;
        ctx.fillStyle = this.highlight && !this.highlight.has(n.id) ? this.palette.mutedText : this.palette.text;
        ctx.fillText(fitText(n.folded > 0 ? `${n.name} (+${n.folded})` : n.name, chars), x, y, room);
        if (below >= 48) {
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
