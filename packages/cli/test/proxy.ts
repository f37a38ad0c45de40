import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy we can pull the plug on: `drop(ms)` destroys every open connection and refuses new ones
 * for `ms`, as a flaky network or a restarting load balancer would.
 */
export async function proxy(target: string) {
  const { hostname, port } = new URL(target);
  const open = new Set<net.Socket>();
  let refuseUntil = 0;
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    if (Date.now() < refuseUntil) return void client.destroy();
    const upstream = net.connect(Number(port), hostname);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("error", close).on("close", close);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    drop(refuseMs: number) {
      refuseUntil = Date.now() + refuseMs;
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
