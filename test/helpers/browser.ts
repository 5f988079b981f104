/**
 * A real browser for the viewer tests: the system Chromium (Debian's `chromium` package, which
 * `.ci/run` installs) driven by playwright-core. playwright-core never downloads a browser, so
 * finding one is up to us; when none exists the tests say so and skip.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome-stable",
  "/usr/bin/google-chrome",
];

/** The first Chromium found on this machine, or undefined. */
export const chromiumPath: string | undefined = CANDIDATES.find(
  (p): p is string => typeof p === "string" && p !== "" && existsSync(p),
);

export const NO_BROWSER_MESSAGE =
  "no Chromium found (looked for $CHROMIUM_PATH, /usr/bin/chromium, chromium-browser, google-chrome): " +
  "install it with `apt-get install -y chromium` (.ci/run does) to run the trace viewer's browser tests";

/**
 * Flags for a container: no sandbox (root, no user namespaces), no GPU, and nothing that reaches
 * out to the network on its own. Playwright gives each launch a fresh temporary profile.
 */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumPath) throw new Error(NO_BROWSER_MESSAGE);
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
