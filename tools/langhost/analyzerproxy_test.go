package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// fakePack is the node side of a policy pack: a real Analyzer gRPC server that counts what reaches it.
type fakePack struct {
	pulumirpc.UnimplementedAnalyzerServer
	info       *pulumirpc.AnalyzerInfo
	analyzeErr error
	stackErr   error

	remediates, analyzes, configures, stackConfigures atomic.Int32
	mu                                                sync.Mutex
	gotStack                                          *pulumirpc.AnalyzerStackConfigureRequest
}

func (f *fakePack) GetAnalyzerInfo(context.Context, *emptypb.Empty) (*pulumirpc.AnalyzerInfo, error) {
	return f.info, nil
}

func (f *fakePack) Analyze(_ context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.AnalyzeResponse, error) {
	f.analyzes.Add(1)
	if f.analyzeErr != nil {
		return nil, f.analyzeErr
	}
	return &pulumirpc.AnalyzeResponse{Diagnostics: []*pulumirpc.AnalyzeDiagnostic{{
		PolicyName: "no-public-url", Message: "resource " + req.GetUrn() + " is public",
		EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY,
	}}}, nil
}

func (f *fakePack) Remediate(_ context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.RemediateResponse, error) {
	f.remediates.Add(1)
	return &pulumirpc.RemediateResponse{Remediations: []*pulumirpc.Remediation{{
		PolicyName: "fix-it", Description: "fixed " + req.GetUrn(),
	}}}, nil
}

func (f *fakePack) Configure(context.Context, *pulumirpc.ConfigureAnalyzerRequest) (*emptypb.Empty, error) {
	f.configures.Add(1)
	return &emptypb.Empty{}, nil
}

func (f *fakePack) ConfigureStack(
	_ context.Context, req *pulumirpc.AnalyzerStackConfigureRequest,
) (*pulumirpc.AnalyzerStackConfigureResponse, error) {
	f.stackConfigures.Add(1)
	f.mu.Lock()
	f.gotStack = req
	f.mu.Unlock()
	if f.stackErr != nil {
		return nil, f.stackErr
	}
	return &pulumirpc.AnalyzerStackConfigureResponse{}, nil
}

// serve starts the fake pack and returns its port.
func (f *fakePack) serve(t *testing.T) int {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pulumirpc.RegisterAnalyzerServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().(*net.TCPAddr).Port
}

func policies(levels ...pulumirpc.EnforcementLevel) *pulumirpc.AnalyzerInfo {
	info := &pulumirpc.AnalyzerInfo{Name: "golive", Version: "1.0.0", SupportsConfig: true}
	for i, l := range levels {
		info.Policies = append(info.Policies, &pulumirpc.PolicyInfo{
			Name: fmt.Sprintf("policy-%d", i), EnforcementLevel: l, PolicyType: pulumirpc.PolicyType_POLICY_TYPE_RESOURCE,
		})
	}
	return info
}

// session is the engine's view of a pack behind the proxy, set up as RunPlugin sets it up.
type session struct {
	engine    pulumirpc.AnalyzerClient
	engineOut *syncBuffer
	attached  chan error
}

// syncBuffer is the engine's end of the plugin's stdout stream.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startSession starts the proxy, sends ConfigureStack as the engine does and then attaches the proxy
// to a pack whose stdout is packOut.
func startSession(t *testing.T, packOut io.Reader) *session {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	proxy, err := startAnalyzerProxy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := &session{engineOut: &syncBuffer{}, attached: make(chan error, 1)}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", proxy.port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	s.engine = pulumirpc.NewAnalyzerClient(conn)

	cfgc := make(chan *pulumirpc.AnalyzerStackConfigureRequest, 1)
	go func() {
		cfg, err := proxy.awaitStackConfig(ctx, s.engineOut)
		if err != nil {
			s.attached <- err
			return
		}
		cfgc <- cfg
	}()
	stackReq := &pulumirpc.AnalyzerStackConfigureRequest{Stack: "live", Config: map[string]string{"golive:region": "eu"}}
	if _, err := s.engine.ConfigureStack(ctx, stackReq); err != nil {
		t.Fatal(err)
	}
	select {
	case cfg := <-cfgc:
		if !proto.Equal(cfg, stackReq) {
			t.Fatalf("RunPlugin got stack config %v, want %v", cfg, stackReq)
		}
		go func() {
			_, err := proxy.attach(ctx, packOut, s.engineOut, cfg)
			s.attached <- err
		}()
	case err := <-s.attached:
		t.Fatal(err)
	}
	if got, want := s.engineOut.String(), fmt.Sprintf("%d\n", proxy.port); !strings.HasPrefix(got, want) {
		t.Fatalf("engine read %q first from the plugin's stdout, want the proxy's port %q", got, want)
	}
	return s
}

func startPack(t *testing.T, pack *fakePack) *session {
	t.Helper()
	return startSession(t, strings.NewReader(fmt.Sprintf("%d\nhello from the pack\n", pack.serve(t))))
}

// loadPack does what the engine does when it loads a pack: asks for its info, then configures it.
func (s *session) loadPack(t *testing.T, config map[string]*pulumirpc.PolicyConfig) *pulumirpc.AnalyzerInfo {
	t.Helper()
	info, err := s.engine.GetAnalyzerInfo(context.Background(), &emptypb.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.engine.Configure(context.Background(), &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: config}); err != nil {
		t.Fatal(err)
	}
	return info
}

func (s *session) remediate(t *testing.T, urn string) *pulumirpc.RemediateResponse {
	t.Helper()
	resp, err := s.engine.Remediate(context.Background(), &pulumirpc.AnalyzeRequest{Urn: urn})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestRemediateIsAnsweredByTheProxyWhenNoPolicyRemediates(t *testing.T) {
	pack := &fakePack{info: policies(pulumirpc.EnforcementLevel_ADVISORY, pulumirpc.EnforcementLevel_MANDATORY,
		pulumirpc.EnforcementLevel_DISABLED)}
	s := startPack(t, pack)
	info := s.loadPack(t, map[string]*pulumirpc.PolicyConfig{
		"policy-0": {EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY},
	})
	if !proto.Equal(info, pack.info) {
		t.Fatalf("engine got info %v, want the pack's %v", info, pack.info)
	}
	for i := 0; i < 3; i++ {
		if resp := s.remediate(t, fmt.Sprintf("urn:%d", i)); len(resp.GetRemediations()) != 0 {
			t.Fatalf("Remediate answered %v, want the empty answer node gives", resp)
		}
	}
	if n := pack.remediates.Load(); n != 0 {
		t.Fatalf("the pack got %d Remediate calls, want none", n)
	}
	if n := pack.configures.Load(); n != 1 {
		t.Fatalf("the pack got %d Configure calls, want 1", n)
	}

	resp, err := s.engine.Analyze(context.Background(), &pulumirpc.AnalyzeRequest{Urn: "urn:web"})
	if err != nil {
		t.Fatal(err)
	}
	if d := resp.GetDiagnostics(); len(d) != 1 || d[0].GetMessage() != "resource urn:web is public" ||
		d[0].GetEnforcementLevel() != pulumirpc.EnforcementLevel_MANDATORY {
		t.Fatalf("Analyze answered %v, want the pack's diagnostic", resp)
	}
}

func TestRemediateIsForwardedWhenAPolicyRemediates(t *testing.T) {
	pack := &fakePack{info: policies(pulumirpc.EnforcementLevel_ADVISORY, pulumirpc.EnforcementLevel_REMEDIATE)}
	s := startPack(t, pack)
	s.loadPack(t, nil)
	resp := s.remediate(t, "urn:a")
	if r := resp.GetRemediations(); len(r) != 1 || r[0].GetDescription() != "fixed urn:a" {
		t.Fatalf("Remediate answered %v, want the pack's remediation", resp)
	}
	if n := pack.remediates.Load(); n != 1 {
		t.Fatalf("the pack got %d Remediate calls, want 1", n)
	}
}

func TestRemediateIsForwardedWhenConfigRaisesAPolicyToRemediate(t *testing.T) {
	props, _ := structpb.NewStruct(map[string]any{"maxLength": 3})
	for name, config := range map[string]map[string]*pulumirpc.PolicyConfig{
		"one policy": {
			"policy-0": {EnforcementLevel: pulumirpc.EnforcementLevel_ADVISORY, Properties: props},
			"policy-1": {EnforcementLevel: pulumirpc.EnforcementLevel_REMEDIATE},
		},
		"all": {"all": {EnforcementLevel: pulumirpc.EnforcementLevel_REMEDIATE}},
	} {
		t.Run(name, func(t *testing.T) {
			pack := &fakePack{info: policies(pulumirpc.EnforcementLevel_ADVISORY, pulumirpc.EnforcementLevel_MANDATORY)}
			s := startPack(t, pack)
			s.loadPack(t, config)
			s.remediate(t, "urn:a")
			s.remediate(t, "urn:b")
			if n := pack.remediates.Load(); n != 2 {
				t.Fatalf("the pack got %d Remediate calls, want 2", n)
			}
		})
	}
}

func TestRemediateIsForwardedWhenUnsure(t *testing.T) {
	t.Run("before the pack's info is known", func(t *testing.T) {
		pack := &fakePack{info: policies(pulumirpc.EnforcementLevel_ADVISORY)}
		s := startPack(t, pack)
		s.remediate(t, "urn:a")
		if n := pack.remediates.Load(); n != 1 {
			t.Fatalf("the pack got %d Remediate calls, want 1", n)
		}
	})
	t.Run("a level this host does not know", func(t *testing.T) {
		pack := &fakePack{info: policies(pulumirpc.EnforcementLevel_ADVISORY, pulumirpc.EnforcementLevel(42))}
		s := startPack(t, pack)
		s.loadPack(t, nil)
		s.remediate(t, "urn:a")
		if n := pack.remediates.Load(); n != 1 {
			t.Fatalf("the pack got %d Remediate calls, want 1", n)
		}
	})
}

func TestThePackGetsTheStackConfigAndTheEngineItsLaterOutput(t *testing.T) {
	pack := &fakePack{info: policies()}
	s := startPack(t, pack)
	s.loadPack(t, nil)
	if err := <-s.attached; err != nil {
		t.Fatal(err)
	}
	pack.mu.Lock()
	got := pack.gotStack
	pack.mu.Unlock()
	if got.GetStack() != "live" || got.GetConfig()["golive:region"] != "eu" {
		t.Fatalf("the pack got stack config %v, want the engine's", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.HasSuffix(s.engineOut.String(), "\nhello from the pack\n") {
		if time.Now().After(deadline) {
			t.Fatalf("engine's stdout is %q, want the pack's output after the port line", s.engineOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCallsWaitUntilThePackListens(t *testing.T) {
	pack := &fakePack{info: policies(pulumirpc.EnforcementLevel_ADVISORY)}
	packOut, packOutW := io.Pipe()
	s := startSession(t, packOut)
	done := make(chan error, 1)
	go func() {
		_, err := s.engine.GetAnalyzerInfo(context.Background(), &emptypb.Empty{})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("GetAnalyzerInfo returned (%v) before the pack printed its port", err)
	case <-time.After(200 * time.Millisecond):
	}
	fmt.Fprintf(packOutW, "%d\n", pack.serve(t))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestThePacksErrorsReachTheEngine(t *testing.T) {
	pack := &fakePack{info: policies(), analyzeErr: status.Error(codes.InvalidArgument, "policy crashed")}
	s := startPack(t, pack)
	_, err := s.engine.Analyze(context.Background(), &pulumirpc.AnalyzeRequest{Urn: "urn:a"})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "policy crashed") {
		t.Fatalf("Analyze failed with %v, want the pack's InvalidArgument: policy crashed", err)
	}
}

func TestAPackThatFailsToStartFailsEveryCall(t *testing.T) {
	t.Run("no port printed", func(t *testing.T) {
		s := startSession(t, strings.NewReader("TypeError: x is not a function\n"))
		_, err := s.engine.Remediate(context.Background(), &pulumirpc.AnalyzeRequest{})
		if err == nil || !strings.Contains(err.Error(), `first line of its output was "TypeError: x is not a function\n"`) {
			t.Fatalf("Remediate failed with %v, want the pack's first line in the error", err)
		}
		if err := <-s.attached; err == nil {
			t.Fatal("attach succeeded, want an error")
		}
	})
	t.Run("ended without output", func(t *testing.T) {
		s := startSession(t, strings.NewReader(""))
		_, err := s.engine.GetAnalyzerInfo(context.Background(), &emptypb.Empty{})
		if err == nil || !strings.Contains(err.Error(), "ended before printing its port") {
			t.Fatalf("GetAnalyzerInfo failed with %v, want that the pack ended", err)
		}
	})
	t.Run("stack configuration refused", func(t *testing.T) {
		pack := &fakePack{info: policies(), stackErr: status.Error(codes.Internal, "bad config")}
		s := startPack(t, pack)
		_, err := s.engine.Analyze(context.Background(), &pulumirpc.AnalyzeRequest{})
		if err == nil || !strings.Contains(err.Error(), "bad config") {
			t.Fatalf("Analyze failed with %v, want the pack's configuration error", err)
		}
		if n := pack.analyzes.Load(); n != 0 {
			t.Fatalf("the pack got %d Analyze calls, want none", n)
		}
	})
	t.Run("older pack without ConfigureStack", func(t *testing.T) {
		pack := &fakePack{info: policies(), stackErr: status.Error(codes.Unimplemented, "no ConfigureStack")}
		s := startPack(t, pack)
		if _, err := s.engine.Analyze(context.Background(), &pulumirpc.AnalyzeRequest{}); err != nil {
			t.Fatalf("Analyze failed with %v; a pack without ConfigureStack should still be used", err)
		}
	})
}
