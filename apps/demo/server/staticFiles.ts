import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
  ".woff2": "font/woff2",
};

/**
 * Serves the built app from `root`: its files, and `index.html` for any other GET (the app
 * routes by path). Hashed assets are cached for a year, `index.html` never, so a rebuilt demo is
 * picked up on reload. Paths are normalized and must stay inside `root`.
 */
export function serveStatic(root: string) {
  const index = join(root, "index.html");
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://demo").pathname);
    const candidate = normalize(join(root, pathname));
    const inside = candidate.startsWith(root + sep);
    let file = index;
    if (inside) {
      const found = await stat(candidate).catch(() => undefined);
      if (found?.isFile()) file = candidate;
    }
    const immutable = file !== index && pathname.startsWith("/assets/");
    response.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      "X-Content-Type-Options": "nosniff",
    });
    if (request.method === "HEAD") response.end();
    else createReadStream(file).pipe(response);
  };
}
