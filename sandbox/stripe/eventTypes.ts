/**
 * The event types a Stripe webhook endpoint may subscribe to: one list, kept in the runtime, so the
 * stack config and the emulator refuse exactly the same names.
 */
export { STRIPE_EVENT_TYPES, STRIPE_EVENT_TYPE_SET } from "@selgeo-golive/runtime";
