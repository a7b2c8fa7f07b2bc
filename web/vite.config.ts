import { defineConfig } from "vitest/config";

// Node's `process`, without the whole of @types/node in the browser code's types.
declare const process: { env: Record<string, string | undefined> };

// The API server the dev server forwards to (`npm run dev`); the built bundle is served
// by `korral serve` itself, same origin, so no proxy exists in production.
const api = process.env.KORRAL_API ?? "http://127.0.0.1:7431";

export default defineConfig({
  // Absolute asset paths: the SPA is answered on deep links such as /objects/shop/Pod/x.
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No source maps in the embedded bundle: smaller binary, and the sources are in git.
    sourcemap: false,
    // One CSS file and hashed chunks; the hash is of the content, so two builds of the
    // same sources give the same bytes (scripts/test checks it).
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      "/api": { target: api, ws: true, changeOrigin: false },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
