import type { Project } from "@orchestrator/sdk";
import { Link } from "react-router";
import { Card } from "../../ui/card.tsx";

/**
 * What a new install shows instead of thirteen zero tiles and empty charts: the first steps, in the Control
 * Room and on the command line. A step already done (a project registered) says so.
 */
export function GettingStarted({ projects }: { projects: Project[] | undefined }) {
  const origin = window.location.origin;
  const first = projects?.[0]?.name;
  const name = first ?? "myrepo";
  return (
    <Card title="Getting started" id="start" className="getting-started">
      <p style={{ marginTop: 0 }}>
        No session has run here yet. Three steps to a first coding session; no model key is needed: without
        one, the <b>demo</b> profile runs OpenCode against a scripted fake model (not an AI) that writes a
        file.
      </p>
      <ol className="steps">
        <li data-step="project" data-done={first ? "true" : "false"}>
          <h3>1 · Register a project</h3>
          {first ? (
            <p className="tone-run">
              Done: <Link to={`/projects?p=${encodeURIComponent(first)}`}>{first}</Link> is registered.
            </p>
          ) : (
            <p>
              A git repository each session works on in its own worktree and branch; your checkout is never
              touched. <Link to="/projects">Projects → + Register repository</Link>, or:
            </p>
          )}
          <pre>
            <code>{`npx orchestrator login --url ${origin} --key io_…\nnpx orchestrator projects add ${name} ~/src/${name}`}</code>
          </pre>
        </li>
        <li data-step="session">
          <h3>2 · Start a session with the demo agent</h3>
          <p>
            <Link to="/sessions">Sessions → + New session</Link>: pick the project and the <code>demo</code>{" "}
            profile, or run one and watch it live in the terminal:
          </p>
          <pre>
            <code>{`npx orchestrator run "Explain the build in a new file" --project ${name}`}</code>
          </pre>
        </li>
        <li data-step="watch">
          <h3>3 · Follow it</h3>
          <p>
            Each session&apos;s page shows its timeline, approvals and diff as they happen. This overview then
            shows counts, totals per day, project and agent, and what needs a person.
          </p>
          <pre>
            <code>{"npx orchestrator sessions ls\nnpx orchestrator diff <id>\nnpx orchestrator stats"}</code>
          </pre>
        </li>
      </ol>
    </Card>
  );
}
