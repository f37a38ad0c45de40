/**
 * Debian's Chromium, as the browser tests and the dashboard benchmark start it: no sandbox inside the VM,
 * no GPU, and nothing that phones home mid-run (the machines have no network). Never `playwright install`:
 * it downloads a browser and fails offline.
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
