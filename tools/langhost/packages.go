package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// requiredPackages answers "which provider plugins will this program need" by the official Node.js
// host's rule, so a preview through this host asks for exactly what it would ask for with the
// official one: every package.json found inside a node_modules folder anywhere below the program
// directory (symlinks followed, each real folder once, policy packs skipped) whose `pulumi`
// section says `"resource": true` names a plugin. Its name is `pulumi.name`, else the package name
// without the `@pulumi/` scope; its version is `pulumi.version`, else the package's, with a `v`.
// Problems with single packages are collected and returned with what was found.
func requiredPackages(programDir string) ([]*pulumirpc.PackageDependency, error) {
	w := walker{seen: map[string]bool{}}
	w.walk(programDir, false)
	sort.Slice(w.found, func(i, j int) bool {
		if w.found[i].Name != w.found[j].Name {
			return w.found[i].Name < w.found[j].Name
		}
		return w.found[i].Version < w.found[j].Version
	})
	return w.found, errors.Join(w.errs...)
}

type walker struct {
	seen  map[string]bool
	found []*pulumirpc.PackageDependency
	errs  []error
}

type pluginPackageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
		// Parameterized packages name a base plugin plus a parameter value.
		Parameterization *struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Value   []byte `json:"value"`
		} `json:"parameterization"`
	} `json:"pulumi"`
}

func (w *walker) walk(dir string, inNodeModules bool) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		dir = abs
	}
	if w.seen[dir] {
		return
	}
	w.seen[dir] = true
	entries, err := os.ReadDir(dir)
	if err != nil {
		w.errs = append(w.errs, fmt.Errorf("reading %s: %w", dir, err))
		return
	}
	below := inNodeModules || filepath.Base(dir) == "node_modules"
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				w.errs = append(w.errs, fmt.Errorf("resolving %s: %w", p, err))
				continue
			}
			st, err := os.Stat(real)
			if err != nil {
				w.errs = append(w.errs, err)
				continue
			}
			p, isDir = real, st.IsDir()
		}
		switch {
		case isDir:
			// A policy pack's own providers are not the program's.
			if pack, err := workspace.DetectPolicyPackPathAt(p); err != nil {
				w.errs = append(w.errs, err)
				continue
			} else if pack != "" {
				continue
			}
			w.walk(p, below)
		case inNodeModules && e.Name() == "package.json":
			w.readPackage(p)
		}
	}
}

func (w *walker) readPackage(file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	var pkg pluginPackageJSON
	if err := json.Unmarshal(raw, &pkg); err != nil {
		w.errs = append(w.errs, fmt.Errorf("parsing %s: %w", file, err))
		return
	}
	if !pkg.Pulumi.Resource {
		return
	}
	name := pkg.Pulumi.Name
	if name == "" {
		if !strings.HasPrefix(pkg.Name, "@pulumi/") {
			w.errs = append(w.errs, fmt.Errorf("%s: a third-party provider package must name its plugin in pulumi.name", file))
			return
		}
		name = strings.TrimPrefix(pkg.Name, "@pulumi/")
	}
	version := pkg.Pulumi.Version
	if version == "" {
		version = pkg.Version
	}
	if version == "" {
		w.errs = append(w.errs, fmt.Errorf("%s: no version", file))
		return
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: version, Server: pkg.Pulumi.Server}
	if pz := pkg.Pulumi.Parameterization; pz != nil {
		dep.Parameterization = &pulumirpc.PackageParameterization{Name: pz.Name, Version: pz.Version, Value: pz.Value}
	}
	w.found = append(w.found, dep)
}
