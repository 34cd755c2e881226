/**
 * Which failed deliveries `golive monitor` does not count: only pings forged on purpose, told by
 * the delivery's `signature`, or (servers that do not report it) by how Selgeo treats a forged ping.
 */
import { expect, it } from "vitest";
import type { WebhookDelivery } from "@selgeo-golive/runtime";
import { isForgedPing } from "../../../cli/monitor";

const base: WebhookDelivery = {
  id: "del_test", object: "webhook_delivery", livemode: false, endpoint: "we_test", event: "evt_test",
  event_type: "ping", status: "failed", attempts: 1, response_status: 400, next_retry_at: null, created: 1,
};

const cases: Array<[string, Partial<WebhookDelivery>, boolean]> = [
  ["forged ping (signature reported)", { signature: "invalid" }, true],
  ["validly signed ping that failed", { signature: "valid", response_status: 500, next_retry_at: 5 }, false],
  ["validly signed ping rejected 400 (signature reported wins)", { signature: "valid" }, false],
  ["business event signed invalid is still counted", { event_type: "conversion.created", signature: "invalid" }, false],
  ["no signature field: rejected once, never retried", {}, true],
  ["no signature field: scheduled for a retry", { next_retry_at: 5 }, false],
  ["no signature field: HTTP 500", { response_status: 500 }, false],
  ["no signature field: connection error", { response_status: null }, false],
  ["no signature field: dead-lettered", { status: "dead_lettered", attempts: 8 }, false],
  ["no signature field: a conversion event", { event_type: "conversion.created" }, false],
];

it.each(cases)("%s", (_name, patch, forged) => {
  expect(isForgedPing({ ...base, ...patch })).toBe(forged);
});
