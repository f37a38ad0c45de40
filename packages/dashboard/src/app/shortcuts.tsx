import { useEffect, useRef } from "react";
import { useLocation, useNavigate } from "react-router";
import { Dialog } from "../ui/dialog.tsx";
import { create, move, open, search, useKeys } from "./keys.ts";

const keys: [string, string][] = [
  ["Ctrl K  ·  ⌘ K", "open the palette: pages, actions, sessions and plans by title"],
  ["/", "search this list (the sessions page)"],
  ["c", "create: a new session (a new plan on the plans page)"],
  ["j  ·  k", "select the next · previous row of a list"],
  ["Enter", "open the selected row"],
  ["?", "this help"],
  ["Esc", "close a dialog"],
];

/** The shortcuts, listed: opened with `?`, from the palette, or its button. */
export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Keyboard shortcuts">
      <dl className="kv" data-shortcuts>
        {keys.map(([k, what]) => (
          <div key={k} style={{ display: "contents" }}>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <p className="muted" style={{ margin: 0 }}>
        Keys do nothing while you type in a field, or with Ctrl, Alt or ⌘ held (except the palette&apos;s).
      </p>
    </Dialog>
  );
}

/**
 * The shell's key bindings: the single keys over whatever page is open (its marked rows, search and create
 * button; keys.ts), `c` on a page without a create button opens the new-session dialog, and Ctrl/⌘ K
 * opens the palette from anywhere, a field included, as in the editors people know it from.
 */
export function useShortcuts(show: { palette(): void; help(): void }): void {
  const go = useNavigate();
  const where = useLocation();
  useKeys({
    "/": () => search(),
    c: () => {
      if (!create()) void go("/sessions?new");
    },
    j: () => move(1),
    k: () => move(-1),
    Enter: () => open(),
    "?": () => show.help(),
  });
  const latest = useRef(show);
  latest.current = show;
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== "k" || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      if (document.querySelector("dialog[open]")) return;
      e.preventDefault();
      latest.current.palette();
    };
    window.addEventListener("keydown", down);
    return () => window.removeEventListener("keydown", down);
  }, []);
  // A selection belongs to the page it was made on.
  useEffect(() => {
    for (const r of document.querySelectorAll("[data-row][data-selected]"))
      r.removeAttribute("data-selected");
  }, [where.pathname]);
}
