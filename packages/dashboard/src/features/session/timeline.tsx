import type { LiveState } from "@orchestrator/sdk";
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useEffect, useRef, useState } from "react";
import { Button } from "../../ui/button.tsx";
import { Card } from "../../ui/card.tsx";
import "./timeline.css";
import { type Item, type Model, working } from "./fold.ts";
import { Row } from "./rows.tsx";
import { count } from "../../ui/count.ts";

const kinds = ["message", "tool", "status", "approval", "log", "reasoning", "other"] as const;

/**
 * The live timeline: a virtualised list (only the rows in view are in the DOM, so 10,000 events scroll as
 * smoothly as 10). It follows the newest event while you are at the bottom; scrolling up stops following.
 */
export function Timeline({
  model,
  version,
  state,
  sessionId,
}: {
  model: Model;
  version: number;
  state: LiveState;
  sessionId: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const items = hidden.size ? model.items.filter((i) => !hidden.has(group(i))) : model.items;
  const v = useVirtualizer({
    count: items.length,
    getScrollElement: () => box.current,
    // A row of one line is 33 px (most are): an estimate that is right spares a correction, and a scroll
    // adjustment that forces a layout, per row mounted while the timeline follows its end.
    estimateSize: () => 33,
    overscan: 8,
    getItemKey: (i) => items[i]!.key,
    // Scroll updates render with the next batch instead of synchronously inside each scroll event: while a
    // replay follows the end, a synchronous render per scroll made frames of 100+ ms.
    useFlushSync: false,
    // A log opened with events already in it (a cold link's first page) mounts the rows at its end in the
    // first render, where it will follow, instead of the rows at its top and then, after a scroll, the end
    // ones. The height is `.timeline`'s in base.css, before the box exists to measure.
    initialRect: { width: 0, height: Math.min(window.innerHeight * 0.68, 760) },
    initialOffset: () => (follow ? items.length * 33 : 0),
  });
  // Also when a row's measured height grows (an approval with its command and buttons is taller than
  // the estimate): following means the newest row is in view whole, not its first line.
  const total = v.getTotalSize();
  const now = working(model);
  useEffect(() => {
    if (follow && items.length) v.scrollToIndex(items.length - 1, { align: "end" });
  }, [version, follow, items.length, v, total]);

  return (
    <Card
      pad={false}
      title={`Timeline · ${count(model.items.length, "entry", "entries")} · seq ${model.lastSeq}`}
      id="timeline"
      action={
        <div className="row">
          <span
            className={`badge tone-${state === "live" ? "run" : state === "offline" || state === "ended" ? "bad" : "hold"}`}
            data-stream={state}
          >
            {state}
          </span>
          <Button size="sm" aria-pressed={follow} onClick={() => setFollow(!follow)}>
            {follow ? "Following" : "Follow"}
          </Button>
        </div>
      }
    >
      <div
        className="chips"
        role="group"
        aria-label="Show entries"
        style={{ padding: "8px 14px", borderBottom: "1px solid var(--border)" }}
      >
        {kinds.map((k) => (
          <button
            key={k}
            className="chip"
            aria-pressed={!hidden.has(k)}
            onClick={() => {
              const n = new Set(hidden);
              if (n.has(k)) n.delete(k);
              else n.add(k);
              setHidden(n);
            }}
          >
            {k}
          </button>
        ))}
      </div>
      <div
        ref={box}
        className="timeline"
        data-testid="timeline"
        data-events={model.count}
        data-last-seq={model.lastSeq}
        data-gaps={model.gaps}
        tabIndex={0}
        aria-label="Session events"
        onWheel={(e) => e.deltaY < 0 && setFollow(false)}
        onKeyDown={(e) => ["ArrowUp", "PageUp", "Home"].includes(e.key) && setFollow(false)}
        onScroll={(e) => {
          const el = e.currentTarget;
          if (el.scrollHeight - el.scrollTop - el.clientHeight < 4 && !follow) setFollow(true);
        }}
      >
        {items.length === 0 && (
          <div className="empty" style={{ margin: 14 }}>
            No events yet
          </div>
        )}
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {v.getVirtualItems().map((r) => (
            <div
              key={r.key}
              data-index={r.index}
              ref={v.measureElement}
              className="tl-row"
              style={{
                position: "absolute",
                top: 0,
                left: 0,
                right: 0,
                transform: `translateY(${r.start}px)`,
              }}
            >
              <Memo item={items[r.index]!} sessionId={sessionId} />
            </div>
          ))}
        </div>
      </div>
      {/* What the session does between events, so a quiet stretch reads as work, not as a hang. */}
      {now && (
        <div className="tl-working" role="status" data-working>
          <span className="dot pulse" aria-hidden="true" />
          {model.phase === "waiting" ? "waiting…" : "working…"} <span className="muted">{now}</span>
        </div>
      )}
    </Card>
  );
}

const Memo = memo(Row);

function group(i: Item): string {
  if (i.kind === "checkpoint" || i.kind === "progress" || i.kind === "todo" || i.kind === "artifact")
    return "other";
  return i.kind;
}
