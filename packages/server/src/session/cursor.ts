import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../error.ts";
import { priorityRank } from "@orchestrator/sdk";
import type { Row } from "./row.ts";

/** Keyset pagination: the cursor is the sort key and id of the last row seen, base64url JSON. */
export interface Order {
  key: "created_at" | "updated_at" | "priority";
  desc: boolean;
  orderBy: SQL;
}

export function order(sort: string): Order {
  const desc = sort.startsWith("-");
  const name = sort.replace(/^-/, "");
  const key = name === "updatedAt" ? "updated_at" : name === "priority" ? "priority" : "created_at";
  const dir = desc ? sql`desc` : sql`asc`;
  return { key, desc, orderBy: sql`${sql.identifier(key)} ${dir}, id ${dir}` };
}

export function encode(o: Order, last: Row): string {
  const k =
    o.key === "priority"
      ? priorityRank[last.priority]
      : o.key === "updated_at"
        ? last.updatedAt
        : last.createdAt;
  return Buffer.from(JSON.stringify({ k, id: last.id, s: o.key })).toString("base64url");
}

export function after(o: Order, cursor: string): SQL {
  let parsed: { k: unknown; id: unknown; s: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  const validId = z.uuid().safeParse(parsed.id).success;
  // Only what encode() writes: a priority rank, or an ISO time (the database refuses other shapes).
  const validKey =
    o.key === "priority"
      ? Number.isInteger(parsed.k) && (parsed.k as number) >= 0 && (parsed.k as number) <= 4
      : typeof parsed.k === "string" &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(parsed.k) &&
        !Number.isNaN(Date.parse(parsed.k));
  if (!validId || !validKey || parsed.s !== o.key) throw bad();
  const cmp = o.desc ? sql`<` : sql`>`;
  return sql`(${sql.identifier(o.key)}, id) ${cmp} (${parsed.k}, ${parsed.id})`;
}

const bad = () =>
  new AppError(
    "validation_failed",
    "query.cursor: not a cursor from this listing (it may belong to another sort order)",
    {
      path: ["cursor"],
      issues: [{ path: "query.cursor", message: "not a cursor from this listing" }],
    },
  );
