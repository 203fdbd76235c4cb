package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"
)

func newServeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (and the job workers unless AUTHD_JOB_WORKERS=0)",
		RunE:  runServe,
	}
}

func runServe(cmd *cobra.Command, args []string) error {
	ctx := cmd.Context()
	a, err := openApp(ctx, true)
	if err != nil {
		return err
	}
	defer a.Close()
	// The workers outlive the signal: Close stops them after the HTTP
	// server has finished its requests.
	if err := a.StartJobs(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	addr := net.JoinHostPort(a.Config.ListenAddr, strconv.Itoa(a.Config.Port))
	server := &http.Server{
		Addr:              addr,
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	a.Logger.Info("authd is serving", "addr", listener.Addr().String(), "public_url", a.Config.PublicURL,
		"env", a.Config.Env, "database", a.Config.Database.Driver)
	go a.WarnLegacyOpen(ctx)
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		a.Logger.Error("graceful shutdown timed out", "error", err)
	}
	a.Logger.Info("stopped")
	return nil
}
