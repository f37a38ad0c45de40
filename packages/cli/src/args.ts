import { InvalidArgumentError } from "commander";

/** Option parsers: a bad value is a usage error (exit 2) before anything reaches the server. */
export function int(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError("not an integer.");
  return Number(value);
}

/** For repeatable options such as `--tag a --tag b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
