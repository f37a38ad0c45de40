import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { template } from "../src/db/db.ts";

/**
 * Made once per test run (vitest's globalSetup): the migrated empty database that every in-memory server
 * and store in the tests loads instead of running initdb (harness.ts `template`).
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), "io-template-"));
  const file = path.join(dir, "pgdata.tar");
  writeFileSync(file, Buffer.from(await (await template()).arrayBuffer()));
  project.provide("pgTemplate", file);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    pgTemplate: string;
  }
}
