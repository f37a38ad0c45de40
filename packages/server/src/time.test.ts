import { expect, test } from "vitest";
import { toDate, toIso } from "./time.ts";

test("database timestamps in every shape become the same ISO instant", () => {
  expect(toIso("2026-11-24 08:05:40.715+00")).toBe("2026-11-24T08:05:40.715Z");
  expect(toIso("2026-11-24 08:05:40+00")).toBe("2026-11-24T08:05:40.000Z");
  expect(toIso("2026-11-24 08:05:40.7+00")).toBe("2026-11-24T08:05:40.700Z");
  expect(toIso("2026-11-24 08:05:40.715123+00")).toBe("2026-11-24T08:05:40.715Z");
  expect(toIso("2026-11-24 10:05:40.715+02")).toBe("2026-11-24T08:05:40.715Z");
  expect(toIso(new Date("2026-11-24T08:05:40.715Z"))).toBe("2026-11-24T08:05:40.715Z");
  expect(toIso(null)).toBeNull();
  expect(toDate("2026-11-24 08:05:40.715+00")?.getTime()).toBe(Date.parse("2026-11-24T08:05:40.715Z"));
});
