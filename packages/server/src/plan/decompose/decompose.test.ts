import { describe, expect, test } from "vitest";
import { AppError } from "../../error.ts";
import { analyze } from "./complexity.ts";
import { Plan } from "@orchestrator/sdk";
import { decompose, names } from "./decompose.ts";
import { byKey, edgesOf, rulesOf, sound } from "./sound.ts";

test("the graph check itself refuses a cycle, a dangling edge and a duplicate key", () => {
  const task = (key: string) => ({ key, title: key, prompt: key });
  const tasks = [task("a"), task("b")];
  expect(() =>
    sound({
      title: "x",
      tasks,
      edges: [
        { from: "a", to: "b" },
        { from: "b", to: "a" },
      ],
    }),
  ).toThrow();
  expect(() => sound({ title: "x", tasks, edges: [{ from: "a", to: "c" }] })).toThrow();
  expect(() => sound({ title: "x", tasks: [...tasks, task("a")], edges: [] })).toThrow();
  sound({ title: "x", tasks, edges: [{ from: "a", to: "b" }] });
});

describe("the draft", () => {
  const everything =
    "Build a REST API with authentication for the microservices, a CRUD database layer, and a UI; refactor the old client.";

  test("several matches combine into one sound graph with prefixed keys, templates first then rules by priority", () => {
    const r = decompose({ title: "Platform", goal: everything });
    expect(r.analysis.matched.map((m) => [m.name, m.why])).toEqual([
      ["web_service_implementation", ["rest api"]],
      ["refactoring_task", ["refactor"]],
      ["security", ["authentication"]],
      ["microservice", ["microservices"]],
      ["crud", ["crud", "database"]],
      ["ui", ["ui"]],
    ]);
    expect(r.draft.tasks).toHaveLength(5 + 4 + 4 + 6 + 5 + 5);
    expect(r.draft.edges).toHaveLength(4 + 3 + 3 + 9 + 4 + 3);
    sound(r.draft);
  });

  test("maxTasks keeps the first tasks and only the edges between them", () => {
    const r = decompose({ title: "Login", goal: "authentication backed by a database", maxTasks: 6 });
    expect(r.draft.tasks.map((t) => t.key)).toEqual([
      "security.design",
      "security.implementation",
      "security.testing",
      "security.audit",
      "crud.create",
      "crud.read",
    ]);
    expect(r.analysis.dropped).toBe(3);
    expect(r.draft.edges.some((e) => e.to === "crud.tests")).toBe(false);
    sound(r.draft);
  });

  test("a goal nothing matches: one task when small, analyse → implement → test when larger", () => {
    const small = decompose({ title: "Typo", goal: "fix the typo in the README" });
    expect(small.draft.tasks).toEqual([
      expect.objectContaining({
        key: "task",
        title: "Typo",
        capabilities: ["bug_fixing"],
        type: "implementation",
      }),
    ]);
    expect(small.draft.tasks[0]!.prompt).toMatch(
      /^Goal: fix the typo in the README\n\nDo what the goal asks/,
    );
    sound(small.draft);

    const goal = `Analyse why the nightly export is slow and fix it, with tests. ${Array(120).fill("detail").join(" ")}`;
    expect(analyze(`Export\n${goal}`).band).toBe("moderate");
    const big = decompose({ title: "Export", goal });
    expect(big.draft.tasks.map((t) => [t.key, t.capabilities])).toEqual([
      ["analyse", ["requirements_analysis"]],
      ["implement", ["bug_fixing"]], // analysis and tests are their own tasks
      ["test", ["test_generation"]],
    ]);
    expect(edgesOf(big)).toEqual(["analyse -FS-> implement", "implement -FS-> test"]);
    expect(big.analysis.matched).toEqual([
      { name: "analyse_implement_test", kind: "default", by: "nothing", why: [] },
    ]);
    sound(big.draft);
  });

  test("a prompt is an instruction: the goal, the part, and where it sits in the plan", () => {
    const r = decompose({ title: "Login", goal: "Add authentication" });
    const p = byKey(r)["security.testing"]!.prompt;
    expect(
      p.startsWith("Goal: Add authentication\n\nYour part: Security Testing. Write tests that attack"),
    ).toBe(true);
    expect(p).toContain('This is one task of the plan "Login"; other tasks do the rest: Security Design,');
    expect(p).toContain("It comes after: Security Implementation.");
  });

  test("the API's template names choose a rule alone; an unknown name is refused by field", () => {
    expect(rulesOf("x")).toEqual(["single"]);
    for (const name of ["security", "microservice", "crud", "ui"]) {
      const r = decompose({ title: "Orders", goal: "Build a REST API", template: name });
      expect(r.analysis.matched.map((m) => m.name)).toEqual([name]);
      expect(r.draft.tasks.every((t) => t.key.startsWith(`${name}.`))).toBe(true);
    }
    const err = (() => {
      try {
        decompose({ title: "x", goal: "", template: "kubernetes" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("validation_failed");
    expect((err as AppError).message).toMatch(/^template: /);
  });

  test("decomposition is deterministic", () => {
    const a = decompose({ title: "Platform", goal: everything });
    const b = decompose({ title: "Platform", goal: everything });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  test("every draft parses as CreatePlan, even at the limits of title and goal", () => {
    const long = "t".repeat(200);
    const drafts = [
      decompose({ title: long, goal: "g ".repeat(49_995) + "secure UI" }), // 99,999 characters
      decompose({ title: long, goal: "", template: "web_service_implementation" }),
      decompose({ title: "Refactor", goal: "" }),
      decompose({ title: "a", goal: everything, maxTasks: 1 }),
      ...["refactoring_task", "security", "microservice", "crud", "ui"].map((template) =>
        decompose({ title: "T", goal: everything, template }),
      ),
    ];
    for (const d of drafts) sound(d.draft);
    expect(drafts[0]!.draft.tasks[0]!.title.length).toBe(200);
    expect(drafts[3]!.draft.tasks).toHaveLength(1);
  });
});

test("the SDK's names are exactly the templates and rules", () => {
  expect([...Plan.decompositionNames].sort()).toEqual([...names].sort());
});
