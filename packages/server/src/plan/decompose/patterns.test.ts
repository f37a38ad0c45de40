import { describe, expect, test } from "vitest";
import { scale, triple } from "./complexity.ts";
import { decompose } from "./decompose.ts";
import { byKey, edgesOf, rulesOf, sound } from "./sound.ts";

describe("rules match whole words", () => {
  test("UI: 'build the UI' matches, 'build a guide' and 'require' do not", () => {
    expect(rulesOf("Build the UI")).toEqual(["ui"]);
    expect(rulesOf("Build a guide", "as the requirements require")).not.toContain("ui");
    expect(rulesOf("A new user interface")).toEqual(["ui"]);
    expect(rulesOf("A UI-based editor")).toEqual(["ui"]);
    expect(rulesOf("A front-end for it")).toEqual(["ui"]);
    expect(rulesOf("Define the storage interface")).not.toContain("ui");
  });

  test("security: 'auth' and its forms match, 'author' does not", () => {
    expect(rulesOf("Show the author of each post")).not.toContain("security");
    expect(rulesOf("Add auth to the admin page")).toEqual(["security"]);
    expect(rulesOf("Authenticate callers")).toEqual(["security"]);
    expect(rulesOf("Secure the uploads")).toEqual(["security"]);
    expect(decompose({ title: "Harden it", goal: "AUTHORIZATION for every route" }).analysis.matched).toEqual(
      [{ name: "security", kind: "rule", by: "words", why: ["authorization"] }],
    );
  });

  test("CRUD needs crud, database or data model; microservice needs microservice(s) or distributed", () => {
    expect(rulesOf("CRUD for invoices")).toEqual(["crud"]);
    expect(rulesOf("Move to a new database")).toEqual(["crud"]);
    expect(rulesOf("Revise the data model")).toEqual(["crud"]);
    expect(rulesOf("Train a model")).not.toContain("crud");
    expect(rulesOf("Split it into microservices")).toEqual(["microservice"]);
    expect(rulesOf("A distributed cache")).toEqual(["microservice"]);
  });
});

describe("templates produce their declared subtask lists", () => {
  test("web_service_implementation: five phases chained finish-to-start, hours as PERT triples", () => {
    const r = decompose({
      title: "Orders",
      goal: "Implement a REST API for orders",
      template: "web_service_implementation",
    });
    const declared: [string, string, string, number][] = [
      ["web.requirements", "Requirements Analysis", "requirements_analysis", 2],
      ["web.design", "System Design", "system_design", 4],
      ["web.implementation", "Implementation", "code_generation", 8],
      ["web.testing", "Testing", "test_generation", 4],
      ["web.deployment", "Deployment", "deployment", 2],
    ];
    expect(r.draft.tasks.map((t) => [t.key, t.title, t.capabilities, t.estimate])).toEqual(
      declared.map(([k, name, cap, h]) => [k, `Orders - ${name}`, [cap], triple(h)]),
    );
    expect(byKey(r)["web.implementation"]!.estimate).toEqual({
      optimistic: 360,
      likely: 480,
      pessimistic: 720,
    });
    expect(edgesOf(r)).toEqual([
      "web.requirements -FS-> web.design",
      "web.design -FS-> web.implementation",
      "web.implementation -FS-> web.testing",
      "web.testing -FS-> web.deployment",
    ]);
    expect(r.analysis.matched).toEqual([
      { name: "web_service_implementation", kind: "template", by: "name", why: [] },
    ]);
    sound(r.draft);
  });

  test("refactoring_task: four phases chained, chosen by the goal's words", () => {
    const r = decompose({ title: "Tidy the store", goal: "Refactor the session store" });
    expect(r.analysis.matched).toEqual([
      { name: "refactoring_task", kind: "template", by: "words", why: ["refactor"] },
    ]);
    expect(r.draft.tasks.map((t) => [t.key, t.capabilities, t.estimate!.likely])).toEqual([
      ["refactor.analysis", ["code_review"], 60],
      ["refactor.plan", ["system_design"], 120],
      ["refactor.execution", ["refactoring"], 240],
      ["refactor.verification", ["test_generation"], 120],
    ]);
    expect(edgesOf(r)).toEqual([
      "refactor.analysis -FS-> refactor.plan",
      "refactor.plan -FS-> refactor.execution",
      "refactor.execution -FS-> refactor.verification",
    ]);
    sound(r.draft);
  });

  test("the web template is chosen by naming a web service or an HTTP API, not by 'api' alone", () => {
    expect(rulesOf("Orders", "Build a RESTful API for orders")).toEqual(["web_service_implementation"]);
    expect(rulesOf("Orders", "a new web service")).toEqual(["web_service_implementation"]);
    expect(rulesOf("Orders", "Document the API")).toEqual(["single"]);
    expect(rulesOf("Speed", "optimise the hot loop")).toEqual(["refactoring_task"]);
  });
});

describe("rules produce the children §4.3.6 lists", () => {
  const goal = "Add authentication with sessions and a password reset flow for the existing accounts.";

  test("security: four phases at high priority, chained, each a 1.5/4 share of the goal's estimate", () => {
    const r = decompose({ title: "Login", goal });
    const share = scale(r.analysis.estimate, 1.5 / 4);
    expect(r.draft.tasks.map((t) => [t.key, t.type, t.capabilities, t.priority, t.estimate])).toEqual([
      ["security.design", "security_design", ["system_design", "security_audit"], "high", share],
      [
        "security.implementation",
        "security_implementation",
        ["code_generation", "security_audit"],
        "high",
        share,
      ],
      ["security.testing", "security_testing", ["test_generation", "security_audit"], "high", share],
      ["security.audit", "security_audit", ["security_audit", "code_review"], "high", share],
    ]);
    expect(edgesOf(r)).toEqual([
      "security.design -FS-> security.implementation",
      "security.implementation -FS-> security.testing",
      "security.testing -FS-> security.audit",
    ]);
    sound(r.draft);
  });

  test("microservice: three services, three shared components, each service start-to-start on each component", () => {
    const r = decompose({ title: "Shop", goal: "shop", template: "microservice" });
    const t = byKey(r);
    expect(Object.keys(t)).toEqual([
      "microservice.service-1",
      "microservice.service-2",
      "microservice.service-3",
      "microservice.auth",
      "microservice.database",
      "microservice.api-gateway",
    ]);
    expect(t["microservice.service-2"]!.capabilities).toEqual(["code_generation", "deployment"]);
    expect(t["microservice.api-gateway"]!.title).toBe("Shop - API Gateway Component");
    expect(t["microservice.auth"]!.capabilities).toEqual(["code_generation", "system_design"]);
    expect(r.draft.edges).toHaveLength(9);
    expect(r.draft.edges.every((e) => e.type === "start_to_start")).toBe(true);
    expect(edgesOf(r)).toContain("microservice.database -SS-> microservice.service-3");
    expect(t["microservice.service-1"]!.prompt).toContain(
      "It is built alongside: Auth Component, Database Component, API Gateway Component.",
    );
    sound(r.draft);
  });

  test("crud: four operations in parallel, then the tests finish-to-start after all of them", () => {
    const r = decompose({ title: "Invoices", goal: "CRUD for invoices" });
    expect(r.draft.tasks.map((t) => [t.key, t.type, t.capabilities])).toEqual([
      ["crud.create", "crud_operation", ["code_generation"]],
      ["crud.read", "crud_operation", ["code_generation"]],
      ["crud.update", "crud_operation", ["code_generation"]],
      ["crud.delete", "crud_operation", ["code_generation"]],
      ["crud.tests", "testing", ["test_generation"]],
    ]);
    expect(byKey(r)["crud.tests"]!.estimate).toEqual(scale(r.analysis.estimate, 0.3));
    expect(edgesOf(r)).toEqual(
      ["create", "read", "update", "delete"].map((o) => `crud.${o} -FS-> crud.tests`),
    );
    sound(r.draft);
  });

  test("ui: five components; forms, tables and charts start-to-start on the layout", () => {
    const r = decompose({ title: "Dashboard", goal: "A frontend for the reports" });
    expect(r.draft.tasks.map((t) => t.title)).toEqual(
      ["Layout", "Navigation", "Forms", "Tables", "Charts"].map((n) => `Dashboard - ${n} Component`),
    );
    expect(edgesOf(r)).toEqual(["forms", "tables", "charts"].map((c) => `ui.layout -SS-> ui.${c}`));
    sound(r.draft);
  });
});
