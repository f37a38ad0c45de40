import type { AttentionItem } from "@orchestrator/sdk";
import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { kinds } from "../features/overview/attention.tsx";
import { count } from "../ui/count.ts";

const title = "Control Room · Industrial Orchestrator";
const stored = "orchestrator.notify";

/** The tab's title counts what waits for a person, so a background tab says so: "(2) Control Room · …". */
export function useTitle(n: number): void {
  useEffect(() => {
    document.title = n > 0 ? `(${n}) ${title}` : title;
  }, [n]);
}

/** The attention queue's own key for an item (one approval, one merge, one session's state). */
const keyOf = (it: AttentionItem) => `${it.kind}-${it.approvalId ?? it.merge?.id ?? it.sessionId}`;

const supported = () => typeof window !== "undefined" && "Notification" in window;
type Permission = NotificationPermission | "unsupported";
const permission = (): Permission => (supported() ? Notification.permission : "unsupported");

/**
 * "Notify me": opt in once (the browser asks for permission on that click, never before), then a new item in
 * the attention queue shows a browser notification saying what it is; clicking it opens where it is shown.
 * Items already there when the page loads, or when notifications are turned on, are not news.
 */
export function useNotify(items: AttentionItem[] | undefined) {
  const go = useNavigate();
  const [on, setOn] = useState(() => localStorage.getItem(stored) === "on" && permission() === "granted");
  const [allowed, setAllowed] = useState<Permission>(permission);
  const seen = useRef<Set<string> | null>(null);

  useEffect(() => {
    if (!items) return;
    const keys = new Set(items.map(keyOf));
    const before = seen.current;
    seen.current = keys;
    if (!before || !on || permission() !== "granted") return;
    const fresh = items.filter((it) => !before.has(keyOf(it)));
    // A burst (a plan's tasks failing together) is one notification, not a stack of them.
    if (fresh.length > 3) {
      show(
        `${count(fresh.length, "new item")} need a person`,
        fresh.map((it) => it.title).join(", "),
        "/",
        go,
      );
      return;
    }
    for (const it of fresh)
      show(
        `Needs a person: ${kinds[it.kind].label}`,
        `${it.title}${it.detail ? ` — ${it.detail}` : ""}`,
        it.link,
        go,
        keyOf(it),
      );
  }, [items, on, go]);

  const toggle = async () => {
    if (on) {
      localStorage.removeItem(stored);
      setOn(false);
      return;
    }
    if (!supported()) return;
    const p = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
    setAllowed(p);
    if (p !== "granted") return;
    localStorage.setItem(stored, "on");
    // What is in the queue now is known; only what comes after is news.
    seen.current = new Set(items?.map(keyOf));
    setOn(true);
  };
  return { on, allowed, toggle };
}

function show(head: string, body: string, link: string, go: (to: string) => void, tag?: string) {
  const n = new Notification(head, { body, tag, data: { link: new URL(link, location.origin).href } });
  n.onclick = () => {
    window.focus();
    go(link);
    n.close();
  };
}

/** The opt-in control: what it does now, and why it cannot when the browser refuses. */
export function NotifyButton({ state }: { state: ReturnType<typeof useNotify> }) {
  const blocked = state.allowed === "denied";
  const none = state.allowed === "unsupported";
  return (
    <button
      className="btn sm ghost"
      aria-pressed={state.on}
      disabled={none || (blocked && !state.on)}
      onClick={() => void state.toggle()}
      title={
        none
          ? "This browser has no notifications"
          : blocked
            ? "Notifications are blocked for this site: allow them in the browser's site settings"
            : "A browser notification when something new needs a person"
      }
      data-notify={state.on ? "on" : blocked ? "blocked" : "off"}
    >
      {state.on ? "Notifying" : blocked ? "Notifications blocked" : "Notify me"}
    </button>
  );
}
