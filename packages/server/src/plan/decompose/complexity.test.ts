import { expect, test } from "vitest";
import { analyze, band, expected, triple } from "./complexity.ts";
import { infer } from "./words.ts";

test("§4.3.1's worked example, with whole-word stems and no 1-hour floor", () => {
  const a = analyze("Create a microservice with REST API, database integration, and authentication");
  // The reference's account says 11 words; the sentence has 10 whitespace tokens.
  expect(a.words).toBe(10);
  expect(a.sentences).toBe(1);
  // "integration" now counts for the indicator "integrate" (the substring rule missed it).
  expect(a.indicators).toEqual(["create", "integrate"]);
  expect(a.terms).toEqual(["microservice", "api", "database", "integration", "authentication"]);
  expect(a.score).toBe(2.6); // 1 + 0.2 + 0.4 + 5 × 0.2
  expect(a.minutes).toBe(15.6); // 10 / 100 h × 2.6, no longer clamped up to 60
  expect(a.estimate).toEqual({ optimistic: 8, likely: 16, pessimistic: 31 }); // (0.5h, h, 2h)
  expect(a.expected).toBe(17.17);
  expect(a.band).toBe("simple");
});

test("every branch of the estimate is live, and above 8 h the triple grows with the estimate", () => {
  expect(triple(0.1)).toEqual({ optimistic: 6, likely: 15, pessimistic: 30 });
  expect(triple(0.5)).toEqual({ optimistic: 15, likely: 30, pessimistic: 60 });
  expect(triple(2)).toEqual({ optimistic: 84, likely: 120, pessimistic: 180 });
  expect(triple(5)).toEqual({ optimistic: 240, likely: 300, pessimistic: 390 });
  // The reference's constant (6, 8, 12) h at 8 h; beyond, the same shape.
  expect(triple(8)).toEqual({ optimistic: 360, likely: 480, pessimistic: 720 });
  expect(triple(20)).toEqual({ optimistic: 900, likely: 1200, pessimistic: 1800 });
  const short = analyze("Add a flag");
  expect(short.minutes).toBeLessThan(60);
  expect(short.estimate).toEqual({ optimistic: 6, likely: 15, pessimistic: 30 });
  const mid = analyze(Array(40).fill("design").join(" ")); // 0.4 h × 1.4
  expect(mid.estimate).toEqual({ optimistic: 17, likely: 34, pessimistic: 67 });
});

test("the estimate stops at 24 hours and empty text is one hour", () => {
  const huge = analyze(Array(5000).fill("word").join(" "));
  expect(huge.minutes).toBe(1440);
  expect(huge.estimate).toEqual({ optimistic: 1080, likely: 1440, pessimistic: 2160 });
  expect(huge.band).toBe("expert");
  expect(analyze("   ").estimate).toEqual({ optimistic: 42, likely: 60, pessimistic: 90 });
});

test("PERT expected is (O + 4M + P) / 6 and bands are cut on expected minutes", () => {
  expect(expected({ optimistic: 60, likely: 120, pessimistic: 240 })).toBe(130);
  expect([0, 14.9, 15, 59.9, 60, 239, 240, 479, 480, 5000].map(band)).toEqual([
    "trivial",
    "trivial",
    "simple",
    "simple",
    "moderate",
    "moderate",
    "complex",
    "complex",
    "expert",
    "expert",
  ]);
  expect(analyze("Design and build it. " + Array(300).fill("x").join(" ")).band).toBe("complex");
});

test("indicators match whole words once each; terms count every time and their plurals", () => {
  expect(analyze("the latest contest").indicators).toEqual([]);
  expect(analyze("testing the tests").indicators).toEqual(["test"]);
  expect(analyze("test test test").score).toBe(1.2);
  expect(analyze("APIs and an API").terms).toEqual(["api", "api"]);
  expect(analyze("Rapid APIary").terms).toEqual([]);
  expect(analyze("microservices on Kubernetes").terms).toEqual(["microservice", "kubernetes"]);
});

test("capabilities come from whole words and stems, de-duplicated in a stable order", () => {
  expect(infer("add tests")).toEqual(["test_generation"]);
  expect(infer("testing, tested, test")).toEqual(["test_generation"]);
  expect(infer("show the latest contest")).toEqual(["code_generation"]); // nothing matched
  expect(infer("Write tests and document the design")).toEqual([
    "system_design",
    "code_generation",
    "test_generation",
    "documentation",
  ]);
  expect(infer("fix the bug")).toEqual(["bug_fixing"]);
  expect(infer("debug the crash")).toEqual(["debugging"]);
  expect(infer("we need to break it down")).toEqual(["task_decomposition"]);
  expect(infer("Optimise; improving the scalability")).toEqual(["optimization", "scaling"]);
  expect(infer("a codec")).toEqual(["code_generation"]); // default, not because "code" is in "codec"
  expect(infer("refactor the planner")).toEqual(["refactoring"]); // "planner" is not "plan"
  expect(infer("integration with the auditor")).toEqual(["deployment"]);
});
