/**
 * The trace viewer's static files (HTML/CSS/JS in `./viewer/`, shipped as they are: no framework,
 * no bundler, nothing fetched from elsewhere). They are read from disk only when a browser asks
 * for them, so nothing that merely imports the collector — let alone the handler — loads them.
 *
 * The directory is found next to this module: `src/collector/viewer/` when run from source,
 * `dist/viewer/` in the package (tsup puts every entry and chunk in `dist/` and copies the files).
 */
import { readFile } from "node:fs/promises";

const VIEWER_DIR = new URL("./viewer/", import.meta.url);

/** Fixed allow-list: a request path never reaches the file system. */
const FILES: Record<string, { file: string; type: string }> = {
  "/viewer/viewer.js": { file: "viewer.js", type: "text/javascript; charset=utf-8" },
  "/viewer/viewer.css": { file: "viewer.css", type: "text/css; charset=utf-8" },
  "/viewer/icon.svg": { file: "icon.svg", type: "image/svg+xml" },
};
const PAGE = { file: "index.html", type: "text/html; charset=utf-8" };

/**
 * The page may load only its own files and talk only to its own server: if some event text ever
 * did reach the DOM as markup, it could not run script. Images are the one exception: a media
 * reference whose bytes the app's upload hook put at an http(s) URL is shown (README "Media"),
 * without a referrer.
 */
export const VIEWER_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/** Which viewer file answers `path` (`/`, `/sessions/{id}` and the assets), if any. */
export function viewerFileFor(path: string): { file: string; type: string } | undefined {
  if (path === "/" || path === "/index.html" || /^\/sessions\/[^/]+$/.test(path)) return PAGE;
  return FILES[path];
}

export async function readViewerFile(file: string): Promise<Buffer> {
  return readFile(new URL(file, VIEWER_DIR));
}
