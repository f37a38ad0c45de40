import { useEffect, useRef } from "react";
import { useSearchParams } from "react-router";

/**
 * Single-key shortcuts. A page opts in with markup, not code: rows it lists carry `data-row` (j/k move a
 * selection through them, Enter opens the row's link), its search box `type=search` or `data-search` (`/`
 * focuses it), its create button `data-create` (`c` presses it). The shell binds the keys once, so every list
 * page gets them by marking its rows.
 */

/** Whether a key press belongs to what the person is typing or to the browser, not to a shortcut. */
export function typing(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return true;
  const t = e.target;
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  // A checkbox or a button is not typed into; a text-like input is.
  return (
    t instanceof HTMLInputElement && !["checkbox", "radio", "button", "submit", "reset"].includes(t.type)
  );
}

/** Call `on[key]` for a key pressed outside anything typed into; a handler returning false lets it through. */
export function useKeys(on: Record<string, (e: KeyboardEvent) => boolean | void>): void {
  // The latest handlers, read at the press: binding once keeps a re-render from dropping a key mid-press.
  const ref = useRef(on);
  ref.current = on;
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.defaultPrevented || typing(e)) return;
      // An open modal owns the keyboard (its own form, its own arrows).
      if (document.querySelector("dialog[open]")) return;
      const f = ref.current[e.key];
      if (f && f(e) !== false) e.preventDefault();
    };
    window.addEventListener("keydown", down);
    return () => window.removeEventListener("keydown", down);
  }, []);
}

const main = () => document.getElementById("main");
const rows = () => [...(main()?.querySelectorAll<HTMLElement>("[data-row]") ?? [])];
/** The link a row opens: the one marked `data-row-link`, else its first. */
const link = (row: Element) =>
  row.querySelector<HTMLElement>("[data-row-link]") ?? row.querySelector("a[href]");

/** Move the selection `by` rows (clamped), focusing the row's link so Enter and screen readers follow it. */
export function move(by: number): boolean {
  const all = rows();
  if (!all.length) return false;
  const at = all.findIndex((r) => r.hasAttribute("data-selected") || r.contains(document.activeElement));
  const next = all[at < 0 ? (by > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, at + by))]!;
  for (const r of all) if (r !== next) r.removeAttribute("data-selected");
  next.setAttribute("data-selected", "");
  const a = link(next);
  (a as HTMLElement | null)?.focus({ preventScroll: true });
  next.scrollIntoView({ block: "nearest" });
  return true;
}

/** Open the selected row; a focused link or button already does that on Enter itself. */
export function open(): boolean {
  const el = document.activeElement;
  if (el instanceof HTMLAnchorElement || el instanceof HTMLButtonElement) return false;
  const row = main()?.querySelector("[data-row][data-selected]");
  const a = row && link(row);
  if (!a) return false;
  (a as HTMLElement).click();
  return true;
}

/** Focus the page's search box, if it has one. */
export function search(): boolean {
  const box = main()?.querySelector<HTMLInputElement>("[data-search], input[type=search]");
  if (!box) return false;
  box.focus();
  box.select();
  return true;
}

/** Press the page's create button, if it has one. */
export function create(): boolean {
  const b = main()?.querySelector<HTMLButtonElement>("[data-create]:not(:disabled)");
  b?.click();
  return !!b;
}

/**
 * Open a page's create dialog when its link says so (`?new`), as the palette and `c` on a page without one
 * do, then drop the word from the URL so a reload does not open it again.
 */
export function useNewLink(open: () => void): void {
  const [params, setParams] = useSearchParams();
  const asked = params.has("new");
  useEffect(() => {
    if (!asked) return;
    open();
    setParams(
      (p) => {
        p.delete("new");
        return p;
      },
      { replace: true },
    );
    // Once per link: `open` is a fresh closure each render and must not run it again.
  }, [asked]);
}
