import { useState } from "react";
import { Button } from "./button.tsx";

/** Copy to the clipboard; says so, or says it could not (a page served over plain HTTP off localhost). */
export function Copy({ text, label = "Copy" }: { text: string; label?: string }) {
  const [said, setSaid] = useState<string | null>(null);
  return (
    <Button
      size="sm"
      onClick={() =>
        navigator.clipboard?.writeText(text).then(
          () => setSaid("Copied"),
          () => setSaid("Copy failed: select and copy by hand"),
        ) ?? setSaid("No clipboard here: select and copy by hand")
      }
    >
      <span aria-live="polite">{said ?? label}</span>
    </Button>
  );
}

/** A secret shown to be copied (a key, a signing secret): its label, a Copy button, the value itself. */
export function Secret({ label, value, testid }: { label: string; value: string; testid: string }) {
  return (
    <div>
      <div className="spread">
        <span className="label">{label}</span>
        <Copy text={value} />
      </div>
      <pre className="code" data-secret={testid}>
        {value}
      </pre>
    </div>
  );
}
