import { chain, record, type Part, type Pattern } from "./pattern.ts";
import { words } from "./words.ts";

/** §4.3.5: a sequence of phases, each after the previous one. Selected by naming a web service or an API. */
const webParts: Part[] = [
  {
    key: "requirements",
    name: "Requirements Analysis",
    type: "analysis",
    capabilities: ["requirements_analysis"],
    size: { hours: 2 },
    does: `Work out what the service must do: its operations, inputs and outputs, errors, limits and non-functional needs. Read the existing code first. ${record("the requirements")}`,
  },
  {
    key: "design",
    name: "System Design",
    type: "design",
    capabilities: ["system_design"],
    size: { hours: 4 },
    does: `Design the service from the requirements: modules, data model, the API's paths, schemas and status codes, error handling, and how it will be tested. ${record("the design")}`,
  },
  {
    key: "implementation",
    name: "Implementation",
    type: "implementation",
    capabilities: ["code_generation"],
    size: { hours: 8 },
    does: "Implement the service as designed, following the code base's conventions; keep the build passing.",
  },
  {
    key: "testing",
    name: "Testing",
    type: "testing",
    capabilities: ["test_generation"],
    size: { hours: 4 },
    does: "Write automated tests for the service: each operation's success and error cases and the edge cases the requirements name. Fix what they find; the whole suite must pass.",
  },
  {
    key: "deployment",
    name: "Deployment",
    type: "deployment",
    capabilities: ["deployment"],
    size: { hours: 2 },
    does: "Make the service deployable the way this project deploys things: configuration, build or container files, and the steps to run it, documented.",
  },
];

const refactorParts: Part[] = [
  {
    key: "analysis",
    name: "Code Analysis",
    type: "analysis",
    capabilities: ["code_review"],
    size: { hours: 1 },
    does: `Review the code this goal concerns: its structure, duplication, coupling, and which tests cover it. ${record("the problems you find")}`,
  },
  {
    key: "plan",
    name: "Refactoring Plan",
    type: "design",
    capabilities: ["system_design"],
    size: { hours: 2 },
    does: `From the analysis, plan the refactoring as a sequence of small steps that keep behaviour unchanged, naming the tests that guard each step. ${record("the plan")}`,
  },
  {
    key: "execution",
    name: "Refactoring Execution",
    type: "refactoring",
    capabilities: ["refactoring"],
    size: { hours: 4 },
    does: "Carry out the refactoring plan step by step without changing behaviour; the tests must pass after each step.",
  },
  {
    key: "verification",
    name: "Verification",
    type: "testing",
    capabilities: ["test_generation"],
    size: { hours: 2 },
    does: "Verify that the refactoring changed no behaviour: run the whole test suite, add tests where changed code was not covered, and fix any regression.",
  },
];

/**
 * The reference applied templates by task type (web_service, api, backend / refactoring, optimization); a goal
 * has no type, so its words stand in, as whole words: naming a web service, a REST/HTTP/web API or an
 * API/backend service; refactoring, optimising or restructuring.
 */
export const templates: Pattern[] = [
  {
    name: "web_service_implementation",
    kind: "template",
    prefix: "web",
    words: words(
      "web[\\s-]?services?",
      "(?:rest(?:ful)?|http|web)\\s+apis?",
      "(?:api|backend|back[\\s-]end)\\s+services?",
    ),
    parts: webParts,
    edges: chain(webParts),
  },
  {
    name: "refactoring_task",
    kind: "template",
    prefix: "refactor",
    words: words("refactor(?:s|ed|ing)?", "optimi[sz](?:e|es|ed|ing|ation)", "restructur(?:e|es|ed|ing)"),
    parts: refactorParts,
    edges: chain(refactorParts),
  },
];
