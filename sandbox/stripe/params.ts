/** Parameter checks shared by the emulator's routes. */
import { invalidParam } from "./errors";
import type { FormObject } from "./form";

/**
 * 400 `parameter_unknown` for a parameter the route does not take, as Stripe answers. Being strict
 * here is the point: a misspelt parameter must fail in rehearsal, not be silently ignored.
 */
export function rejectUnknownParams(body: FormObject, allowed: readonly string[]): void {
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name)) {
      throw invalidParam(`Received unknown parameter: ${name}`, name, "parameter_unknown");
    }
  }
}
