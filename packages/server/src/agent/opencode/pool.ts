import path from "node:path";
import * as Demo from "./demo-llm.ts";
import { demoConfig } from "./config.ts";
import { type Opencode, start } from "./process.ts";

/**
 * The OpenCode servers of this node. For now one server, started on first use with the demo model, and
 * restarted if it has died; growing to several servers with busy caps is the next step (issue 3).
 */
export interface Pool {
  acquire(): Promise<Opencode>;
  stop(): Promise<void>;
}

export function create(opts: { home: string; cwd: string }): Pool {
  let current: Promise<{ oc: Opencode; llm: Demo.DemoLlm }> | null = null;
  let dead = false;
  const boot = async () => {
    const llm = await Demo.start();
    const oc = await start({
      home: path.join(opts.home, "server-1"),
      config: demoConfig(llm.url),
      cwd: opts.cwd,
    });
    dead = false;
    void oc.exited.then(() => (dead = true));
    return { oc, llm };
  };
  return {
    acquire: async () => {
      if (current && dead) {
        const old = await current.catch(() => null);
        await old?.llm.close();
        current = null;
      }
      current ??= boot();
      try {
        return (await current).oc;
      } catch (err) {
        current = null; // a failed start is retried by the next session, not cached
        throw err;
      }
    },
    stop: async () => {
      const running = await current?.catch(() => null);
      await running?.oc.stop();
      await running?.llm.close();
      current = null;
    },
  };
}
