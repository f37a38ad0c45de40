// Child process for bench/start.ts: the cost of node + tsx + loading the server's modules, and nothing else.
await import("@orchestrator/server");
process.exit(0);
