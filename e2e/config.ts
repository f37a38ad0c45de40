/**
 * The browser tests' settings from the environment, read here and nowhere else in e2e/ (and the dashboard
 * benchmark's too).
 *
 * Debian's Chromium, started with no sandbox inside the VM, no GPU, and nothing that phones home mid-run
 * (the machines have no network). Never `playwright install`: it downloads a browser and fails offline.
 */
export const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

/** What the processes the tests start (the server, the example agent) inherit, before their own settings. */
export const childEnv: Readonly<NodeJS.ProcessEnv> = { ...process.env };
