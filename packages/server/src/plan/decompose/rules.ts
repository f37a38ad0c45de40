import { chain, fs, record, ss, type Part, type Pattern } from "./pattern.ts";
import { words } from "./words.ts";

const securityParts: Part[] = [
  [
    "design",
    "Security Design",
    ["system_design", "security_audit"],
    `Design the security of this work: the threats, how callers are authenticated and what each may do, how secrets and sensitive data are stored and sent. ${record("the design")}`,
  ],
  [
    "implementation",
    "Security Implementation",
    ["code_generation", "security_audit"],
    "Implement the security design: authentication, authorisation checks, input validation and secret handling, following the code base's conventions.",
  ],
  [
    "testing",
    "Security Testing",
    ["test_generation", "security_audit"],
    "Write tests that attack the implementation: missing, expired or forged credentials, access to other users' data, malformed and oversized input. Fix what fails.",
  ],
  [
    "audit",
    "Security Audit",
    ["security_audit", "code_review"],
    "Audit the finished change as a reviewer would: injection, broken access control, leaked secrets, weak cryptography, unsafe defaults. Fix what you find and list what you checked in your final message.",
  ],
].map(([key, name, capabilities, does]) => ({
  key: key as string,
  name: name as string,
  type: `security_${key as string}`,
  capabilities: capabilities as string[],
  // §4.3.6: likely = parent × 1.5 (level "high") / 4 phases; priority forced to high.
  size: { share: 1.5 / 4 },
  priority: "high" as const,
  does: does as string,
}));

const ordinal = ["first", "second", "third"];
const services: Part[] = [1, 2, 3].map((i) => ({
  key: `service-${i}`,
  name: `Service ${i}`,
  type: "microservice",
  capabilities: ["code_generation", "deployment"],
  size: { share: 1 / 6 },
  does: `The goal's functionality is split into three services, in the order the goal names it; build the ${ordinal[i - 1]} as its own deployable service with its own API, using the shared auth, database and API gateway components being built alongside.`,
}));
const components: Part[] = [
  [
    "auth",
    "Auth Component",
    "Build the shared authentication component the services use: issuing and verifying tokens behind one small interface.",
  ],
  [
    "database",
    "Database Component",
    "Build the shared data-access component the services use: connections, schema and migrations behind one small interface.",
  ],
  [
    "api-gateway",
    "API Gateway Component",
    "Build the API gateway: the one public entry point, routing requests to the services and checking authentication.",
  ],
].map(([key, name, does]) => ({
  key: key!,
  name: name!,
  type: "shared_component",
  capabilities: ["code_generation", "system_design"],
  size: { share: 0.5 / 3 },
  does: does!,
}));

const crudOps: Part[] = [
  [
    "create",
    "Create",
    "Implement creating the goal's records: validate the input, store it, answer with the new record and its id; invalid or duplicate input is a clear error.",
  ],
  [
    "read",
    "Read",
    "Implement reading the goal's records: one by id (an unknown id is a clear not-found error) and a list with filtering and pagination.",
  ],
  [
    "update",
    "Update",
    "Implement updating a record: validate the change, refuse unknown ids, and do not lose a concurrent edit silently.",
  ],
  [
    "delete",
    "Delete",
    "Implement deleting a record: an unknown id is a clear error; decide and document what happens to records that refer to it.",
  ],
].map(([key, name, does]) => ({
  key: key!,
  name: name!,
  type: "crud_operation",
  capabilities: ["code_generation"],
  size: { share: 1 / 4 },
  does: does!,
}));
const crudTests: Part = {
  key: "tests",
  name: "CRUD Tests",
  type: "testing",
  capabilities: ["test_generation"],
  size: { share: 0.3 },
  does: "Write tests for the four operations (create, read, update, delete): success, validation errors and unknown ids. Fix what fails.",
};

const uiParts: Part[] = [
  [
    "layout",
    "Layout Component",
    "Build the layout the other components sit in: the page shell, its regions, and how it adapts from desktop to phone widths.",
  ],
  [
    "navigation",
    "Navigation Component",
    "Build the navigation between the goal's screens: the current place marked, usable by keyboard.",
  ],
  [
    "forms",
    "Forms Component",
    "Build the forms the goal needs: labelled fields, validation messages, submitting and error states.",
  ],
  [
    "tables",
    "Tables Component",
    "Build the tables or lists that show the goal's records: columns, an empty state, sorting or paging where the data calls for it.",
  ],
  [
    "charts",
    "Charts Component",
    "Build the charts the goal needs: labelled axes, and a readable state when there is no data.",
  ],
].map(([key, name, does]) => ({
  key: key!,
  name: name!,
  type: "ui_component",
  capabilities: ["code_generation"],
  size: { share: 1 / 5 },
  does: does!,
}));

/**
 * The reference's words with their inflections, whole words, case-insensitive, except where a word alone
 * mostly means something else: "model" counts only as "data model" (an ML model or a model registry is not
 * CRUD work) and "interface" only as "user/web/graphical interface" (a TypeScript interface is not UI).
 * In the reference's order of priority: security 6, microservice 5, CRUD 4, UI 4.
 */
export const rules: Pattern[] = [
  {
    name: "security",
    kind: "rule",
    prefix: "security",
    words: words(
      "auth[nz]?",
      "authenticat(?:e|es|ed|ing|ion)",
      "authori[sz](?:e|es|ed|ing|ation)",
      "secur(?:e|ed|ing|ity)",
    ),
    parts: securityParts,
    edges: chain(securityParts),
  },
  {
    name: "microservice",
    kind: "rule",
    prefix: "microservice",
    words: words("micro[\\s-]?services?", "distributed"),
    parts: [...services, ...components],
    // §4.3.6: each service starts no earlier than every shared component (start-to-start: they run together).
    edges: services.flatMap((s) => components.map((c) => ss(c.key, s.key))),
  },
  {
    name: "crud",
    kind: "rule",
    prefix: "crud",
    words: words("crud", "databases?", "data[\\s-]models?"),
    parts: [...crudOps, crudTests],
    edges: crudOps.map((o) => fs(o.key, crudTests.key)),
  },
  {
    name: "ui",
    kind: "rule",
    prefix: "ui",
    words: words("uis?", "guis?", "front[\\s-]?ends?", "(?:user|web|graphical)\\s+interfaces?"),
    parts: uiParts,
    // §4.3.6: forms, tables and charts start no earlier than the layout.
    edges: ["forms", "tables", "charts"].map((k) => ss("layout", k)),
  },
];
