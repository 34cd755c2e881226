/**
 * The stack config and the providers' inputs spell request fields in camelCase (`holdPeriodDays`),
 * the wire in snake_case (`hold_period_days`). These map one to the other, so a declaration reuses
 * a request field's schema (and its limits) under its camelCase name instead of restating it.
 */
import type { z } from "zod";

/** `hold_period_days` → `holdPeriodDays`, as a type. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** A zod shape with its keys in camelCase. */
export type CamelCaseShape<S extends z.ZodRawShape> = { [K in keyof S as K extends string ? CamelCase<K> : K]: S[K] };

/** `hold_period_days` → `holdPeriodDays`. */
export function camelCase<S extends string>(name: S): CamelCase<S> {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as CamelCase<S>;
}

/** The same field schemas under camelCase keys. */
export function camelCaseShape<S extends z.ZodRawShape>(shape: S): CamelCaseShape<S> {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [camelCase(k), v])) as CamelCaseShape<S>;
}

/** A wire message as a declaration shows it: each of `fields` it names, in camelCase. */
export function camelCaseMessage(message: string, fields: ReadonlySet<string>): string {
  return message.replace(/\b[a-z0-9]+(?:_[a-z0-9]+)+\b/g, (word) => (fields.has(word) ? camelCase(word) : word));
}
