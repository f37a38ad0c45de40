import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";
import { Pb } from "@orchestrator/sdk";

/** proto/eap.proto at the repository root: the one contract, loaded at run time (no generated code). */
export const protoPath = fileURLToPath(new URL("../../../../../../proto/eap.proto", import.meta.url));

export const loadOptions: loader.Options = Pb.loadOptions;

export function service(): grpc.ServiceDefinition {
  const pkg = grpc.loadPackageDefinition(loader.loadSync(protoPath, loadOptions)) as unknown as {
    eap: { v1: { ExternalAgent: { service: grpc.ServiceDefinition } } };
  };
  return pkg.eap.v1.ExternalAgent.service;
}
