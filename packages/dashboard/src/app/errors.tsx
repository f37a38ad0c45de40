import { Component, type ReactNode } from "react";
import { Link } from "react-router";
import { Empty, PageHead } from "../ui/card.tsx";
import { Problem } from "../ui/problem.tsx";

/** A page that throws shows what went wrong, and the rest of the app keeps working. */
export class Boundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state = { error: null as unknown };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override render() {
    if (this.state.error)
      return (
        <div className="stack">
          <Problem error={this.state.error} title="This page failed" />
          <div>
            <button className="btn" onClick={() => this.setState({ error: null })}>
              Try again
            </button>
          </div>
        </div>
      );
    return this.props.children;
  }
}

export function NotFound() {
  return (
    <>
      <PageHead title="Not found" />
      <Empty>
        Nothing lives at this address. <Link to="/">Back to the overview</Link>
      </Empty>
    </>
  );
}
