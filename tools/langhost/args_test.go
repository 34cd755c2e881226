package main

import (
	"reflect"
	"strings"
	"testing"
)

// checkParsed fails the test unless a parse gave want, or, when wantErr is set, an error containing it.
func checkParsed[T any](t *testing.T, got T, err error, want T, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error = %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		want    hostFlags
		wantErr string
	}{
		{"engine address only", []string{"127.0.0.1:1234"}, hostFlags{engineAddress: "127.0.0.1:1234"}, ""},
		{"tracing as two arguments", []string{"-tracing", "http://zipkin:9411", "127.0.0.1:1"}, hostFlags{tracing: "http://zipkin:9411", engineAddress: "127.0.0.1:1"}, ""},
		{"tracing with two dashes, two arguments", []string{"--tracing", "http://z:1", "127.0.0.1:1"}, hostFlags{tracing: "http://z:1", engineAddress: "127.0.0.1:1"}, ""},
		{"tracing with =", []string{"-tracing=http://z:1", "127.0.0.1:1"}, hostFlags{tracing: "http://z:1", engineAddress: "127.0.0.1:1"}, ""},
		{"tracing with two dashes and =", []string{"--tracing=http://z:1", "127.0.0.1:1"}, hostFlags{tracing: "http://z:1", engineAddress: "127.0.0.1:1"}, ""},
		{"the address is the first positional argument", []string{"127.0.0.1:1", "extra"}, hostFlags{engineAddress: "127.0.0.1:1"}, ""},
		{"version", []string{"-version"}, hostFlags{showVersion: true}, ""},
		{"version with two dashes", []string{"--version"}, hostFlags{showVersion: true}, ""},
		{"runtime nodejs", []string{"-runtime", "nodejs", "127.0.0.1:1"}, hostFlags{engineAddress: "127.0.0.1:1"}, ""},
		{"runtime bun is refused by name", []string{"-runtime=bun"}, hostFlags{}, "not supported by selgeo-golive's language host: -runtime bun"},
		{"tracing without its value", []string{"-tracing"}, hostFlags{}, "flag needs an argument: -tracing"},
		{"unknown flag is named", []string{"-frobnicate", "127.0.0.1:1"}, hostFlags{}, "flag provided but not defined: -frobnicate"},
		{"nothing at all", nil, hostFlags{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseFlags(c.args)
			checkParsed(t, got, err, c.want, c.wantErr)
		})
	}
}

func TestParseOptions(t *testing.T) {
	cases := []struct {
		name    string
		opts    map[string]any
		want    runtimeOptions
		wantErr string
	}{
		{"defaults", map[string]any{}, runtimeOptions{typescript: true, packagemanager: "auto"}, ""},
		{"typescript false", map[string]any{"typescript": false}, runtimeOptions{typescript: false, packagemanager: "auto"}, ""},
		{"typescript as a string is an error", map[string]any{"typescript": "yes"},
			runtimeOptions{}, `runtime option "typescript" in Pulumi.yaml must be a boolean (true or false), got string yes`},
		{"typescript as a number is an error", map[string]any{"typescript": float64(1)},
			runtimeOptions{}, `"typescript" in Pulumi.yaml must be a boolean`},
		{"tsconfig", map[string]any{"tsconfig": "tsconfig.build.json"},
			runtimeOptions{typescript: true, tsconfig: "tsconfig.build.json", packagemanager: "auto"}, ""},
		{"tsconfig must be a string", map[string]any{"tsconfig": true}, runtimeOptions{}, `"tsconfig" in Pulumi.yaml must be a string`},
		{"nodeargs split on spaces", map[string]any{"nodeargs": "--max-old-space-size=4096 --trace-warnings"},
			runtimeOptions{typescript: true, nodeargs: []string{"--max-old-space-size=4096", "--trace-warnings"}, packagemanager: "auto"}, ""},
		{"nodeargs keep a quoted space", map[string]any{"nodeargs": `--require "./hooks/a b.js" --inspect`},
			runtimeOptions{typescript: true, nodeargs: []string{"--require", "./hooks/a b.js", "--inspect"}, packagemanager: "auto"}, ""},
		{"nodeargs single quotes and escapes", map[string]any{"nodeargs": `--title='my app' --x=a\ b`},
			runtimeOptions{typescript: true, nodeargs: []string{"--title=my app", "--x=a b"}, packagemanager: "auto"}, ""},
		{"nodeargs with an open quote", map[string]any{"nodeargs": `--require "./a.js`}, runtimeOptions{}, `runtime option "nodeargs"`},
		{"nodeargs must be a string", map[string]any{"nodeargs": []any{"--inspect"}}, runtimeOptions{}, `"nodeargs" in Pulumi.yaml must be a string`},
		{"packagemanager npm", map[string]any{"packagemanager": "npm"}, runtimeOptions{typescript: true, packagemanager: "npm"}, ""},
		{"unknown packagemanager", map[string]any{"packagemanager": "cargo"}, runtimeOptions{}, `"packagemanager" in Pulumi.yaml must be one of auto, npm, yarn, pnpm, bun`},
		{"every problem at once", map[string]any{"typescript": "no", "tsconfig": 3.0},
			runtimeOptions{}, `"tsconfig" in Pulumi.yaml must be a string (a path to a tsconfig.json), got float64 3; runtime option "typescript"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseOptions(c.opts)
			checkParsed(t, got, err, c.want, c.wantErr)
		})
	}
}

func TestUnsupportedRequestsSaySo(t *testing.T) {
	h := &host{}
	_, err := h.GenerateProject(nil, nil)
	if err == nil || !strings.Contains(err.Error(), "not supported by selgeo-golive's language host: generating a project (pulumi convert") {
		t.Fatalf("GenerateProject: %v", err)
	}
	_, err = h.GeneratePackage(nil, nil)
	if err == nil || !strings.Contains(err.Error(), "not supported by selgeo-golive's language host: generating an SDK package") {
		t.Fatalf("GeneratePackage: %v", err)
	}
}
