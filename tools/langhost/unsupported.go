package main

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// The requests below are code generation and packaging, which the go-live program never needs. Each
// says so in words a user can act on, instead of gRPC's bare "method not implemented".

func unsupported(what string) error {
	return status.Errorf(codes.Unimplemented,
		"%s: %s (use the official Pulumi CLI with its own pulumi-language-nodejs for this: PULUMI_CLI=/path/to/pulumi)",
		notSupported, what)
}

func (h *host) GenerateProgram(context.Context, *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return nil, unsupported("generating a program (pulumi convert)")
}

func (h *host) GenerateProject(context.Context, *pulumirpc.GenerateProjectRequest) (*pulumirpc.GenerateProjectResponse, error) {
	return nil, unsupported("generating a project (pulumi convert, pulumi import --out)")
}

func (h *host) GeneratePackage(context.Context, *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	return nil, unsupported("generating an SDK package (pulumi package gen-sdk, pulumi package add)")
}

func (h *host) Pack(context.Context, *pulumirpc.PackRequest) (*pulumirpc.PackResponse, error) {
	return nil, unsupported("packing an SDK (pulumi package add)")
}

func (h *host) Link(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return nil, unsupported("linking a generated SDK into the program (pulumi package add)")
}

func (h *host) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return nil, unsupported("project templates (pulumi new)")
}
