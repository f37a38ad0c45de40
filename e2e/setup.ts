import { execFileSync } from "node:child_process";

/** The tests drive the built Control Room, as `npm start` serves it: build it if a source is newer. */
export default function setup(): void {
  execFileSync("npx", ["tsx", "packages/dashboard/build.ts"], { stdio: "inherit" });
}
