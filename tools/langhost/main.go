// Command pulumi-language-nodejs is the Node.js language host that selgeo-golive builds beside the
// Pulumi CLI.
//
// Why our own: the upstream host lives in its own Go module (sdk/nodejs/cmd/pulumi-language-nodejs)
// and the Go module proxy reachable from our machines does not serve any version of it, while the
// CLI (pkg/v3) and the SDK (sdk/v3, which carries the gRPC protocol) are served. This host speaks the
// same LanguageRuntime protocol for what a TypeScript Pulumi program with dynamic providers needs:
// Handshake, Run (launching @pulumi/pulumi's own `cmd/run` with node), RunPlugin (plugins through
// @pulumi/pulumi's `cmd/run-plugin`; policy packs through its `cmd/run-policy-pack`, or, when their
// PulumiPolicy.yaml says `typescript: false`, our policyrunner.js that skips its ts-node, and
// behind our analyzer proxy, which feeds them the stack's config and spares them the engine's empty
// per-resource Remediate calls), About, plugin info, dependency reporting and `pulumi install`. It
// reports required plugins by the official host's rule (packages.go), so a program that asks for no
// plugin here asks for none with the official host either. Code generation and packaging are
// refused with a message saying so (unsupported.go).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is stamped by tools/build-pulumi.sh; it reports the CLI version it was built with.
var version = "3.248.0"

// exitBail is the exit code @pulumi/pulumi's run script uses after it has already shown the user an
// actionable message: the engine should stop without adding its own.
const exitBail = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	cancelCtx     context.Context
	cancel        context.CancelFunc
}

func main() {
	h := &host{}
	h.cancelCtx, h.cancel = context.WithCancel(context.Background())

	flags, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if flags.showVersion {
		fmt.Println(version)
		return
	}
	h.tracing, h.engineAddress = flags.tracing, flags.engineAddress

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancelChannel := make(chan bool)
	go func() {
		<-ctx.Done()
		h.cancel()
		close(cancelChannel)
	}()

	if h.engineAddress != "" {
		// Exit when the engine goes away, so a killed `pulumi up` leaves no orphaned host.
		if err := rpcutil.Healthcheck(ctx, h.engineAddress, 5*time.Minute, stop); err != nil {
			fmt.Fprintf(os.Stderr, "could not start health check: %v\n", err)
			os.Exit(1)
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start language host RPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first stdout line.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host RPC stopped serving: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engineAddress = req.EngineAddress
	h.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPlugins answers older engines with the same set GetRequiredPackages reports.
func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range requiredPackagesOf(req.GetInfo()) {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
	}
	return resp, nil
}

// GetRequiredPackages reports the provider packages below the program directory (packages.go). Like
// the official host it reports what it found even when some package.json could not be read.
func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{Packages: requiredPackagesOf(req.GetInfo())}, nil
}

// requiredPackagesOf is requiredPackages for the program in info; a package.json it could not read is
// reported on stderr and the rest is still returned.
func requiredPackagesOf(info *pulumirpc.ProgramInfo) []*pulumirpc.PackageDependency {
	pkgs, err := requiredPackages(info.GetProgramDirectory())
	if err != nil {
		fmt.Fprintf(os.Stderr, "while looking for required plugins: %v\n", err)
	}
	return pkgs
}

func (h *host) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// InstallDependencies (`pulumi install`, `pulumi new`) runs the package manager as the official host
// does, through the SDK's own npm package: the workspace root when the program is in an npm/yarn/pnpm
// workspace, the `packagemanager` runtime option (auto-detected from the lock file by default), its
// output streamed to the user as it comes.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	opts, err := parseOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return err
	}
	dir := req.GetInfo().GetProgramDirectory()
	if root, err := npm.FindWorkspaceRoot(dir); err == nil {
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", root)
		dir = root
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("looking for the npm workspace root of %s: %w", dir, err)
	}
	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	if _, err := npm.Install(server.Context(), npm.PackageManagerType(opts.packagemanager), dir, false, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	out, _ := exec.CommandContext(ctx, node, "--version").Output()
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimSpace(string(out)),
		Metadata:   map[string]string{"packagemanager": "npm", "languageHost": "selgeo-golive " + version},
	}, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, fmt.Errorf("reading package.json: %w", err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return nil, fmt.Errorf("parsing package.json: %w", err)
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for name := range pkg.Dependencies {
		v := installedVersion(dir, name)
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: name, Version: v})
	}
	return resp, nil
}

func installedVersion(dir, name string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "node_modules", name, "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(raw, &pkg)
	return pkg.Version
}

// locateModule finds an @pulumi/pulumi script in the node_modules folders above dir, as node's own
// resolution would, so the program runs with the SDK version it was installed with.
func locateModule(dir, rel string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", rel)
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("could not find @pulumi/pulumi/%s above %s: run `npm ci` in the project", rel, dir)
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the $PATH: " + err.Error()}, nil
	}
	info := req.GetInfo()
	runPath, err := locateModule(info.GetProgramDirectory(), filepath.Join("cmd", "run"))
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts, err := parseOptions(info.GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", info.GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	args = append(args, info.GetEntryPoint())
	args = append(args, req.GetArgs()...)

	cfg, err := configJSON(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	secretKeys, err := json.Marshal(nonNil(req.GetConfigSecretKeys()))
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+cfg, "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	env = append(env, opts.env()...)

	// Cancel when either the engine cancels us or the RPC ends; SIGINT first so the SDK can flush.
	cmdCtx, cmdCancel := context.WithCancel(h.cancelCtx)
	defer cmdCancel()
	stopAfter := context.AfterFunc(ctx, cmdCancel)
	defer stopAfter()
	cmd := exec.CommandContext(cmdCtx, node, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = env
	// node may flip its stdio to non-blocking; never hand it our own file descriptors directly.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitBail {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: "could not run node: " + err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// configJSON presents config keys in the `<namespace>:config:<name>` form every @pulumi/pulumi
// version understands.
func configJSON(cfg map[string]string) (string, error) {
	out := make(map[string]string, len(cfg))
	for k, v := range cfg {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", fmt.Errorf("bad config key %q: %w", k, err)
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RunPlugin runs a Node.js plugin or policy pack from its directory.
//
// Policy packs (kind analyzer) get the stack's configuration the way @pulumi/policy expects it:
// in PULUMI_CONFIG (and the stack, project and organization in PULUMI_NODEJS_*), so a pack can read
// `new pulumi.Config(...)`. The engine only sends that configuration over gRPC (ConfigureStack),
// after the plugin has started. So for a policy pack we first serve our Analyzer proxy
// (analyzerproxy.go): the engine talks to the proxy, the proxy hands us the configuration, we start
// node with it, and the proxy forwards the engine's calls to the pack once it listens, answering
// Remediate itself when no policy of the pack can remediate.
func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	ctx := server.Context()
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	info := req.GetInfo()
	isPolicyPack := req.GetKind() == string(apitype.AnalyzerPlugin)
	opts, err := parseOptions(info.GetOptions().AsMap())
	if err != nil {
		return err
	}
	args, err := pluginArgs(isPolicyPack, opts, info.GetProgramDirectory(), req.GetArgs())
	if err != nil {
		return err
	}

	env := append([]string{}, req.GetEnv()...)
	if len(env) == 0 {
		env = os.Environ()
	}
	env = append(env, opts.env()...)

	var sendMu sync.Mutex
	var stdout io.Writer = streamWriter{server: server, mu: &sendMu, stderr: false}
	stderr := streamWriter{server: server, mu: &sendMu, stderr: true}

	var proxy *analyzerProxy
	var stackCfg *pulumirpc.AnalyzerStackConfigureRequest
	if isPolicyPack {
		// The engine gets the proxy's port now, and node is started once the stack config is known.
		proxy, err = startAnalyzerProxy(ctx)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		stackCfg, err = proxy.awaitStackConfig(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not get the stack configuration for the policy pack: %w", err)
		}
		if stackCfg != nil {
			env, err = policyPackEnv(env, stackCfg)
			if err != nil {
				return err
			}
		}
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = req.GetPwd()
	if isPolicyPack {
		// As the upstream host does: a pack runs in its own directory (its tsconfig, its node_modules).
		cmd.Dir = info.GetProgramDirectory()
	}
	cmd.Env = env
	cmd.Stdout = stdout
	cmd.Stderr = stderr

	if proxy != nil {
		err = runBehindProxy(ctx, cmd, proxy, stdout, stackCfg)
	} else {
		err = cmd.Run()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return server.Send(&pulumirpc.RunPluginResponse{
				Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())},
			})
		}
		return fmt.Errorf("could not run plugin: %w", err)
	}
	return nil
}

// policyPackEnv adds what @pulumi/pulumi reads in a policy pack: the stack's config (keys as
// `namespace:name`, values as the engine gives them, secrets decrypted) and the stack's identity.
func policyPackEnv(env []string, c *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	set := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	set("PULUMI_NODEJS_ORGANIZATION", c.GetOrganization())
	set("PULUMI_NODEJS_PROJECT", c.GetProject())
	set("PULUMI_NODEJS_STACK", c.GetStack())
	set("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(c.GetDryRun()))
	if cfg := c.GetConfig(); cfg != nil {
		b, err := json.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("could not encode the stack configuration: %w", err)
		}
		set("PULUMI_CONFIG", string(b))
		keys, err := json.Marshal(nonNil(c.GetConfigSecretKeys()))
		if err != nil {
			return nil, fmt.Errorf("could not encode the stack's secret keys: %w", err)
		}
		set("PULUMI_CONFIG_SECRET_KEYS", string(keys))
	}
	return env, nil
}

// streamWriter forwards a plugin's output to the engine, which reads the port line from stdout.
type streamWriter struct {
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
	// gRPC forbids concurrent Send on one stream; stdout and stderr are copied by two goroutines.
	mu     *sync.Mutex
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	b := append([]byte{}, p...)
	var resp pulumirpc.RunPluginResponse
	if w.stderr {
		resp.Output = &pulumirpc.RunPluginResponse_Stderr{Stderr: b}
	} else {
		resp.Output = &pulumirpc.RunPluginResponse_Stdout{Stdout: b}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.server.Send(&resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

// pluginArgs are node's arguments for a plugin or policy pack in dir: a pack that says
// `typescript: false` through policyRunner, others through @pulumi/pulumi's own entry point.
func pluginArgs(isPolicyPack bool, opts runtimeOptions, dir string, pluginArgs []string) ([]string, error) {
	if isPolicyPack && !opts.typescript {
		return compiledPackArgs(opts, dir), nil
	}
	rel := filepath.Join("cmd", "run-plugin")
	if isPolicyPack {
		rel = filepath.Join("cmd", "run-policy-pack")
	}
	runPath, err := locateModule(dir, rel)
	if err != nil {
		return nil, err
	}
	args := append([]string{runPath}, opts.nodeargs...)
	if isPolicyPack {
		// run-policy-pack takes the engine address first and the pack's directory last.
		return append(append(args, pluginArgs...), dir), nil
	}
	return append(append(args, dir), pluginArgs...), nil
}

// runBehindProxy starts the pack, attaches the proxy to it (the pack's first stdout line is its
// port, the rest goes to the engine) and waits for node to exit.
func runBehindProxy(
	ctx context.Context, cmd *exec.Cmd, proxy *analyzerProxy, stdout io.Writer, stackCfg *pulumirpc.AnalyzerStackConfigureRequest,
) error {
	packOut, packOutW := io.Pipe()
	cmd.Stdout = packOutW
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not run the policy pack: %w", err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		// Ends the copy of the pack's output (or the wait for its port) once node is gone.
		packOutW.Close()
		exited <- err
	}()
	copied, err := proxy.attach(ctx, packOut, stdout, stackCfg)
	if err != nil {
		// Nobody reads the pack's output any more: let node's writes fail rather than block it.
		packOut.CloseWithError(err)
		return err
	}
	err = <-exited
	<-copied
	return err
}
