import react from "@vitejs/plugin-react";
import { defaultClientConditions, defaultServerConditions, defineConfig } from "vite";

// The demo imports @wirekit/* by their public names; the `source` condition builds them from
// their TypeScript, so `npm run demo` needs no library build first.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: { conditions: ["source", ...defaultClientConditions] },
  ssr: { resolve: { conditions: ["source", ...defaultServerConditions] } },
  build: { outDir: "dist/client", emptyOutDir: true },
});
