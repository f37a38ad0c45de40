import { timestamp } from "drizzle-orm/pg-core";

/** A timestamp column as every table keeps them: with its time zone, read as a Date. */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** Values as a SQL list for a CHECK constraint: `'a','b'`. */
export const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(",");
