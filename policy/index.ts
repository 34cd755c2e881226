/**
 * The go-live policy pack, run with `pulumi preview --policy-pack policy/`.
 *
 * The stack's config reaches the pack in PULUMI_CONFIG (our language host feeds it through the SDK's
 * policy proxy), so `selgeo:mode` decides the enforcement: mandatory on a live stack, advisory
 * elsewhere. When the mode cannot be read, each violation takes the mode of the resource it is about.
 * The policies themselves are pure functions in ./policies (unit-tested without the engine).
 */
import * as pulumi from "@pulumi/pulumi";
import { PolicyPack } from "@pulumi/policy";
import { buildPolicies, readPackContext } from "./policies";

const ctx = readPackContext({
  mode: () => new pulumi.Config("selgeo").get("mode"),
  expectedTraffic: () => new pulumi.Config("selgeo").getObject<unknown>("expectedTraffic"),
});

new PolicyPack("selgeo-golive", {
  policies: buildPolicies(ctx),
});
