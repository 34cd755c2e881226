package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompiledPackArgsRunTheEmbeddedRunnerWithNodeargsFirst(t *testing.T) {
	opts, err := parseOptions(map[string]any{"typescript": false, "nodeargs": "--max-old-space-size=512 --no-warnings"})
	if err != nil {
		t.Fatal(err)
	}
	if opts.typescript {
		t.Fatal("typescript: false parsed as true")
	}
	args := compiledPackArgs(opts, "/packs/golive")
	want := []string{"--max-old-space-size=512", "--no-warnings", "-e", policyRunner, "/packs/golive"}
	if strings.Join(args, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("args %q, want %q", args, want)
	}
	if !strings.Contains(policyRunner, "require(packDir)") {
		t.Fatal("the embedded runner does not load the pack")
	}
}

// writePack writes a pack directory whose main is the given JavaScript.
func writePack(t *testing.T, main string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"main": "main.js"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.js"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runPack runs node on a pack as RunPlugin does for `typescript: false`.
func runPack(t *testing.T, dir string) (stdout, stderr string, code int) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on the PATH")
	}
	opts, _ := parseOptions(map[string]any{"typescript": false})
	cmd := exec.Command(node, compiledPackArgs(opts, dir)...)
	cmd.Dir = os.TempDir()
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return out.String(), errOut.String(), exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), 0
}

func TestTheRunnerLoadsThePackFromItsDirectory(t *testing.T) {
	dir := writePack(t, `console.log(JSON.stringify({cwd: process.cwd(), args: process.argv.slice(2)}));`)
	stdout, stderr, code := runPack(t, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	real, _ := filepath.EvalSymlinks(dir)
	if want := `{"cwd":"` + real + `","args":[]}`; strings.TrimSpace(stdout) != want {
		t.Fatalf("the pack printed %q, want %q", stdout, want)
	}
}

func TestTheRunnerReportsABrokenPackAndExitsNonZero(t *testing.T) {
	for name, tc := range map[string]struct{ main, want string }{
		"throws on load":    {`throw new Error("policies.ts: bad schema")`, "policies.ts: bad schema"},
		"rejects later":     {`Promise.reject(new Error("lost promise")); setTimeout(() => {}, 5000);`, "lost promise"},
		"exported function": {`module.exports = async () => { throw new Error("async setup failed"); };`, "async setup failed"},
	} {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := runPack(t, writePack(t, tc.main))
			if code == 0 {
				t.Fatal("exit 0, want non-zero")
			}
			if !strings.Contains(stderr, "failed with an unhandled exception") || !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr %q, want the failure and %q", stderr, tc.want)
			}
		})
	}
	t.Run("no entry point", func(t *testing.T) {
		dir := t.TempDir()
		_, stderr, code := runPack(t, dir)
		if code == 0 || !strings.Contains(stderr, "no policy pack entry point in") {
			t.Fatalf("exit %d, stderr %q; want non-zero and a missing entry point", code, stderr)
		}
	})
}
