import { expect, test } from "vitest";
import { delay, socketProtocols, socketUrl } from "./live.ts";

test("the socket URL follows the page's scheme and carries the cursor; the key goes in a subprotocol", () => {
  expect(socketUrl({ url: "https://io.example/", session: "abc" }, 42)).toBe(
    "wss://io.example/ws/sessions/abc?batch=1&after=42",
  );
  // base64url of the key, so any key is a valid protocol token; ours always comes first.
  expect(socketProtocols("io_k+/é")).toEqual(["orchestrator.v1", "orchestrator.key.aW9faysvw6k"]);
  expect(socketProtocols(undefined)).toEqual(["orchestrator.v1"]);
  expect(socketUrl({ url: "http://127.0.0.1:7420" }, undefined)).toBe(
    "ws://127.0.0.1:7420/ws/sessions?batch=1",
  );
});

test("reconnect delays double from 250 ms to 5 s, jittered by a quarter either way", () => {
  expect(delay(0, () => 0.5)).toBe(250);
  expect(delay(2, () => 0.5)).toBe(1000);
  expect(delay(10, () => 0.5)).toBe(5000);
  expect(delay(0, () => 0)).toBe(188);
  expect(delay(10, () => 0.999)).toBeLessThanOrEqual(6250);
});
