package main

import (
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	pkgs, err := requiredPackages(dir)
	if err != nil {
		t.Fatalf("requiredPackages: %v", err)
	}
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+"@"+p.Version)
	}
	return out
}

func TestRequiredPackagesFollowTheOfficialRule(t *testing.T) {
	sdkOnly := `{"name":"@pulumi/pulumi","version":"3.248.0"}`
	aws := `{"name":"@pulumi/aws","version":"7.48.0","pulumi":{"resource":true,"name":"aws"}}`
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"no provider package: nothing", map[string]string{
			"package.json": `{"dependencies":{"@pulumi/pulumi":"3.248.0"}}`,
			"node_modules/@pulumi/pulumi/package.json": sdkOnly,
		}, nil},
		{"an installed provider package is reported", map[string]string{
			"node_modules/@pulumi/pulumi/package.json": sdkOnly,
			"node_modules/@pulumi/aws/package.json":    aws,
		}, []string{"aws@v7.48.0"}},
		{"name and version default to the package's", map[string]string{
			"node_modules/@pulumi/random/package.json": `{"name":"@pulumi/random","version":"4.1.0","pulumi":{"resource":true}}`,
		}, []string{"random@v4.1.0"}},
		{"pulumi.version wins", map[string]string{
			"node_modules/@pulumi/x/package.json": `{"name":"@pulumi/x","version":"1.0.0","pulumi":{"resource":true,"version":"v2.0.0"}}`,
		}, []string{"x@v2.0.0"}},
		{"nested node_modules count", map[string]string{
			"node_modules/a/package.json":                          `{"name":"a","version":"1.0.0"}`,
			"node_modules/a/node_modules/@pulumi/aws/package.json": aws,
		}, []string{"aws@v7.48.0"}},
		{"node_modules of a sub-folder of the program count too", map[string]string{
			"extras/aws/package.json":                          `{"dependencies":{"@pulumi/aws":"7.48.0"}}`,
			"extras/aws/node_modules/@pulumi/aws/package.json": aws,
		}, []string{"aws@v7.48.0"}},
		{"a package.json outside node_modules is not a dependency", map[string]string{
			"extras/aws/package.json": `{"name":"@pulumi/aws","version":"7.48.0","pulumi":{"resource":true}}`,
		}, nil},
		{"a policy pack's providers are skipped", map[string]string{
			"policy/PulumiPolicy.yaml":                     "runtime: nodejs\n",
			"policy/node_modules/@pulumi/aws/package.json": aws,
		}, nil},
		{"a dependency declared but not installed is not reported", map[string]string{
			"package.json": `{"dependencies":{"@pulumi/aws":"7.48.0"}}`,
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for rel, content := range c.files {
				write(t, dir, rel, content)
			}
			got := names(t, dir)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
}

func TestRequiredPackagesFollowSymlinksOnce(t *testing.T) {
	dir := t.TempDir()
	shared := t.TempDir()
	write(t, shared, "node_modules/@pulumi/aws/package.json", `{"name":"@pulumi/aws","version":"7.48.0","pulumi":{"resource":true}}`)
	// A project folder whose node_modules is a link, as golive's workspaces make them; linked twice.
	for _, p := range []string{"project/node_modules", "other/node_modules"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(shared, "node_modules"), filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	if got := names(t, dir); len(got) != 1 || got[0] != "aws@v7.48.0" {
		t.Fatalf("got %v, want [aws@v7.48.0] once", got)
	}
}

func TestThirdPartyProviderWithoutPluginNameIsAProblem(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "node_modules/acme-cloud/package.json", `{"name":"acme-cloud","version":"1.0.0","pulumi":{"resource":true}}`)
	if _, err := requiredPackages(dir); err == nil {
		t.Fatal("want an error naming the package without pulumi.name")
	}
}
