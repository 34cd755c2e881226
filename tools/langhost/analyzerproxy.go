package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// analyzerProxy stands between the engine and a Node.js policy pack (@pulumi/policy).
//
// It exists for two reasons. First, the engine sends a pack the stack's configuration only over
// gRPC (ConfigureStack) after the plugin has started, while @pulumi/policy reads it from the
// environment when node starts: so the proxy listens first, takes ConfigureStack itself, and only
// then is node started with that configuration (RunPlugin) and every other call forwarded to it.
//
// Second, Remediate. The engine's step generator calls Remediate and then Analyze on every analyzer
// for every resource, one resource after the other, even when no policy of the pack remediates
// (pkg/v3 resource/deploy/step_generator.go). On a 352-resource no-op preview with an empty pack
// the Remediate round trips to node summed 0.88 s (Analyze 0.63 s) of about 2 s the pack added to a
// 4 s preview, and each returned nothing: @pulumi/policy only runs policies whose effective
// enforcement level is "remediate". The effective level is the engine's per-policy config
// (Configure) when it gives one, else the level the pack reports in GetAnalyzerInfo. So when the
// pack's info and every Configure the engine sent show no policy at "remediate", the proxy answers
// Remediate with the same empty response node would give, without asking node. Whenever that cannot
// be known (info not seen yet, a level this code does not know), it forwards.
type analyzerProxy struct {
	pulumirpc.UnimplementedAnalyzerServer

	port int

	// stackConfig carries the engine's ConfigureStack request, or nil when the engine called
	// something else first (`pulumi policy publish` asks for the info without configuring a stack).
	stackConfigOnce sync.Once
	stackConfig     chan *pulumirpc.AnalyzerStackConfigureRequest

	// ready is closed once the pack is attached (client set) or could not be (clientErr set).
	readyOnce sync.Once
	ready     chan struct{}
	client    pulumirpc.AnalyzerClient
	clientErr error

	mu sync.Mutex
	// info is the pack's last GetAnalyzerInfo answer; nil until the engine has asked for it.
	info *pulumirpc.AnalyzerInfo
	// configuredRemediate records that some Configure asked for a policy at "remediate". It stays
	// set: forwarding a Remediate node would answer empty costs only time.
	configuredRemediate bool
}

// startAnalyzerProxy serves the proxy on a free local port until ctx ends.
func startAnalyzerProxy(ctx context.Context) (*analyzerProxy, error) {
	p := &analyzerProxy{
		stackConfig: make(chan *pulumirpc.AnalyzerStackConfigureRequest, 1),
		ready:       make(chan struct{}),
	}
	stop := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterAnalyzerServer(srv, p)
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, func() { close(stop) })
	p.port = handle.Port
	return p, nil
}

// awaitStackConfig tells the engine our port (it reads the first line of the plugin's stdout) and
// waits for the stack configuration, which is nil when the engine did not send one.
func (p *analyzerProxy) awaitStackConfig(
	ctx context.Context, engineStdout io.Writer,
) (*pulumirpc.AnalyzerStackConfigureRequest, error) {
	if _, err := fmt.Fprintf(engineStdout, "%d\n", p.port); err != nil {
		return nil, err
	}
	select {
	case cfg := <-p.stackConfig:
		return cfg, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *analyzerProxy) setStackConfig(cfg *pulumirpc.AnalyzerStackConfigureRequest) {
	p.stackConfigOnce.Do(func() { p.stackConfig <- cfg })
}

// attach reads the pack's port from the first line of its stdout, passes the rest of that stream on
// to engineStdout (copied is closed when packStdout has ended and all of it is passed on), connects
// and hands the pack the stack configuration. Until it returns, calls from the engine wait; if it
// fails, they fail with its error.
func (p *analyzerProxy) attach(
	ctx context.Context, packStdout io.Reader, engineStdout io.Writer, cfg *pulumirpc.AnalyzerStackConfigureRequest,
) (copied <-chan struct{}, err error) {
	client, copied, err := p.connect(ctx, packStdout, engineStdout, cfg)
	p.readyOnce.Do(func() {
		p.client, p.clientErr = client, err
		close(p.ready)
	})
	return copied, err
}

func (p *analyzerProxy) connect(
	ctx context.Context, packStdout io.Reader, engineStdout io.Writer, cfg *pulumirpc.AnalyzerStackConfigureRequest,
) (pulumirpc.AnalyzerClient, <-chan struct{}, error) {
	out := bufio.NewReader(packStdout)
	line, err := out.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("the policy pack ended before printing its port")
		}
		return nil, nil, fmt.Errorf("could not read the policy pack's port: %w", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return nil, nil, fmt.Errorf("could not read the policy pack's port: first line of its output was %q", line)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		// Whatever the pack prints later (console.log in a policy) still reaches the engine.
		if _, err := io.Copy(engineStdout, out); err != nil {
			fmt.Fprintf(engineStdout, "error copying the policy pack's output: %v\n", err)
		}
	}()

	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// Analyze requests carry whole resources; allow what the engine allows.
		rpcutil.GrpcChannelOptions())
	if err != nil {
		return nil, copied, fmt.Errorf("could not connect to the policy pack: %w", err)
	}
	context.AfterFunc(ctx, func() { _ = conn.Close() })
	client := pulumirpc.NewAnalyzerClient(conn)
	if cfg != nil {
		// The pack already has the configuration in its environment; newer @pulumi/policy also takes
		// it (and the stack's tags) here. Older ones do not implement the call, which is fine.
		if _, err := client.ConfigureStack(ctx, cfg); err != nil && status.Code(err) != codes.Unimplemented {
			return nil, copied, fmt.Errorf("policy pack configuration failed: %w", err)
		}
	}
	return client, copied, nil
}

// awaitClient waits until the pack is attached. A call before ConfigureStack means the engine will
// not send one, so node is started without a stack configuration.
func (p *analyzerProxy) awaitClient(ctx context.Context) (pulumirpc.AnalyzerClient, error) {
	p.setStackConfig(nil)
	select {
	case <-p.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.clientErr != nil {
		return nil, fmt.Errorf("policy pack not started: %w", p.clientErr)
	}
	return p.client, nil
}

func (p *analyzerProxy) Handshake(
	context.Context, *pulumirpc.AnalyzerHandshakeRequest,
) (*pulumirpc.AnalyzerHandshakeResponse, error) {
	return &pulumirpc.AnalyzerHandshakeResponse{}, nil
}

func (p *analyzerProxy) ConfigureStack(
	_ context.Context, req *pulumirpc.AnalyzerStackConfigureRequest,
) (*pulumirpc.AnalyzerStackConfigureResponse, error) {
	p.setStackConfig(req)
	return &pulumirpc.AnalyzerStackConfigureResponse{}, nil
}

func (p *analyzerProxy) GetAnalyzerInfo(ctx context.Context, req *emptypb.Empty) (*pulumirpc.AnalyzerInfo, error) {
	info, err := forward(ctx, p, req, pulumirpc.AnalyzerClient.GetAnalyzerInfo)
	if err == nil {
		p.mu.Lock()
		p.info = info
		p.mu.Unlock()
	}
	return info, err
}

func (p *analyzerProxy) Configure(ctx context.Context, req *pulumirpc.ConfigureAnalyzerRequest) (*emptypb.Empty, error) {
	// Noted before forwarding: should node take the config and the reply be lost, we still forward.
	for _, c := range req.GetPolicyConfig() {
		if !cannotRemediate(c.GetEnforcementLevel()) {
			p.mu.Lock()
			p.configuredRemediate = true
			p.mu.Unlock()
			break
		}
	}
	return forward(ctx, p, req, pulumirpc.AnalyzerClient.Configure)
}

func (p *analyzerProxy) Remediate(ctx context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.RemediateResponse, error) {
	// mayRemediate is false only once GetAnalyzerInfo went through, so the pack is attached.
	if !p.mayRemediate() {
		return &pulumirpc.RemediateResponse{}, nil
	}
	return forward(ctx, p, req, pulumirpc.AnalyzerClient.Remediate)
}

// mayRemediate is false only when the pack's info is known and neither it nor the engine's config
// puts any policy at a level that could remediate.
func (p *analyzerProxy) mayRemediate() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.info == nil || p.configuredRemediate {
		return true
	}
	for _, policy := range p.info.GetPolicies() {
		if !cannotRemediate(policy.GetEnforcementLevel()) {
			return true
		}
	}
	// The engine passes the pack's initial config back in Configure; looked at here too in case the
	// engine is one that does not.
	for _, c := range p.info.GetInitialConfig() {
		if !cannotRemediate(c.GetEnforcementLevel()) {
			return true
		}
	}
	return false
}

// cannotRemediate lists the levels known not to remediate, so a level added to the protocol later
// counts as one that may.
func cannotRemediate(level pulumirpc.EnforcementLevel) bool {
	switch level {
	case pulumirpc.EnforcementLevel_ADVISORY, pulumirpc.EnforcementLevel_MANDATORY, pulumirpc.EnforcementLevel_DISABLED:
		return true
	default:
		return false
	}
}

// forward passes one call on to the pack once it is attached; call is the client's method, e.g.
// pulumirpc.AnalyzerClient.Analyze.
func forward[Req, Resp any](
	ctx context.Context, p *analyzerProxy, req Req,
	call func(pulumirpc.AnalyzerClient, context.Context, Req, ...grpc.CallOption) (Resp, error),
) (Resp, error) {
	client, err := p.awaitClient(ctx)
	if err != nil {
		var none Resp
		return none, err
	}
	return call(client, ctx, req)
}

func (p *analyzerProxy) Analyze(ctx context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.AnalyzeResponse, error) {
	return forward(ctx, p, req, pulumirpc.AnalyzerClient.Analyze)
}

func (p *analyzerProxy) AnalyzeStack(
	ctx context.Context, req *pulumirpc.AnalyzeStackRequest,
) (*pulumirpc.AnalyzeResponse, error) {
	return forward(ctx, p, req, pulumirpc.AnalyzerClient.AnalyzeStack)
}

func (p *analyzerProxy) GetPluginInfo(ctx context.Context, req *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return forward(ctx, p, req, pulumirpc.AnalyzerClient.GetPluginInfo)
}

func (p *analyzerProxy) Cancel(ctx context.Context, req *emptypb.Empty) (*emptypb.Empty, error) {
	return forward(ctx, p, req, pulumirpc.AnalyzerClient.Cancel)
}
