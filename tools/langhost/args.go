package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/google/shlex"
)

// hostFlags is what the engine (or a user) passes on the command line.
type hostFlags struct {
	showVersion   bool
	tracing       string
	engineAddress string
}

// parseFlags reads the command line the way the official host does (Go's flag package): `-tracing url`,
// `--tracing url`, `-tracing=url` and `--tracing=url` are the same, `-runtime` takes only `nodejs`
// (the official host also takes `bun`, which this one does not run), and the first positional
// argument is the engine's address. An unknown flag is an error naming it.
func parseFlags(args []string) (hostFlags, error) {
	var f hostFlags
	fs := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	runtimeName := fs.String("runtime", "nodejs", "The runtime for TypeScript programs")
	fs.BoolVar(&f.showVersion, "version", false, "Print the plugin version and exit")
	if err := fs.Parse(args); err != nil {
		return f, fmt.Errorf("pulumi-language-nodejs: %w", err)
	}
	if *runtimeName != "nodejs" {
		return f, fmt.Errorf("%s: -runtime %s (only nodejs is)", notSupported, *runtimeName)
	}
	if rest := fs.Args(); len(rest) > 0 {
		f.engineAddress = rest[0]
	}
	return f, nil
}

// notSupported starts every message about a request this host does not implement.
const notSupported = "not supported by selgeo-golive's language host"

// runtimeOptions are the `runtime.options` of a Pulumi.yaml (or PulumiPolicy.yaml).
type runtimeOptions struct {
	typescript     bool
	tsconfig       string
	nodeargs       []string
	packagemanager string
}

// knownPackageManagers are the values the official host takes for `packagemanager`.
var knownPackageManagers = []string{"auto", "npm", "yarn", "pnpm", "bun"}

// parseOptions checks each option's type as the official host does and splits `nodeargs` the way a
// shell would (quotes and backslashes), so `--require "./a b.js"` is two arguments, not three.
func parseOptions(opts map[string]any) (runtimeOptions, error) {
	o := runtimeOptions{typescript: true, packagemanager: "auto"}
	var problems []string
	bad := func(name, want string, got any) {
		problems = append(problems, fmt.Sprintf("runtime option %q in Pulumi.yaml must be %s, got %T %v", name, want, got, got))
	}
	if v, ok := opts["typescript"]; ok {
		if b, ok := v.(bool); ok {
			o.typescript = b
		} else {
			bad("typescript", "a boolean (true or false)", v)
		}
	}
	if v, ok := opts["tsconfig"]; ok {
		if s, ok := v.(string); ok {
			o.tsconfig = s
		} else {
			bad("tsconfig", "a string (a path to a tsconfig.json)", v)
		}
	}
	if v, ok := opts["nodeargs"]; ok {
		if s, ok := v.(string); ok {
			args, err := shlex.Split(s)
			if err != nil {
				problems = append(problems, fmt.Sprintf("runtime option \"nodeargs\" in Pulumi.yaml: %v", err))
			}
			o.nodeargs = args
		} else {
			bad("nodeargs", "a string (arguments for node, quoted as in a shell)", v)
		}
	}
	if v, ok := opts["packagemanager"]; ok {
		s, isString := v.(string)
		if !isString || !contains(knownPackageManagers, s) {
			bad("packagemanager", "one of "+strings.Join(knownPackageManagers, ", "), v)
		} else {
			o.packagemanager = s
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return o, errors.New(strings.Join(problems, "; "))
	}
	return o, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (o runtimeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}
