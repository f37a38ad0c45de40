import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";
import { loadOptions, protoPath } from "../src/agent/eap/grpc/wire.ts";

// A real gRPC client from the repository's .proto, as any agent would build one.
const pkg = grpc.loadPackageDefinition(loader.loadSync(protoPath, loadOptions)) as any;
export type Client = grpc.Client & Record<string, any>;

export const connect = (address: string): Client =>
  new pkg.eap.v1.ExternalAgent(address, grpc.credentials.createInsecure());

export const md = (pairs: Record<string, string>) => {
  const m = new grpc.Metadata();
  for (const [k, v] of Object.entries(pairs)) m.set(k, v);
  return m;
};

/** A unary call as a promise; a failure rejects with the gRPC status error. */
export const unary =
  (client: () => Client) =>
  <T = any>(method: string, req: unknown, meta: grpc.Metadata): Promise<T> =>
    new Promise((resolve, reject) =>
      client()[method](req, meta, (err: grpc.ServiceError | null, res: T) =>
        err ? reject(err) : resolve(res),
      ),
    );

/** The status of a call that must fail: code, message, the server's error code and details. */
export const fails = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => null,
    (e) => e,
  )) as grpc.ServiceError | null;
  if (!err) throw new Error("expected the call to fail");
  const get = (k: string) => err.metadata?.get(k)[0]?.toString();
  return {
    code: err.code,
    details: err.details,
    errorCode: get("x-error-code"),
    more: get("x-error-details-bin"),
  };
};
