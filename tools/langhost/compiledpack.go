package main

import _ "embed" // policyRunner

// policyRunner loads a policy pack the way @pulumi/pulumi's cmd/run-policy-pack does, minus its
// ts-node registration (policyrunner.js says why).
//
//go:embed policyrunner.js
var policyRunner string

// compiledPackArgs are node's arguments for a policy pack whose runtime options say
// `typescript: false`: the pack's main is JavaScript (ours is compiled by `npm run build`), so it is
// required directly by policyRunner. nodeargs go to node itself, before the script.
func compiledPackArgs(opts runtimeOptions, packDir string) []string {
	args := append([]string{}, opts.nodeargs...)
	return append(args, "-e", policyRunner, packDir)
}
