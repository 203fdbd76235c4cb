// Command authd is the identity provider of the TTS, HDTS, AMS and BMS
// systems. Run "authd help" for its commands; with no command it serves.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mapactive/authd/internal/app"
	"github.com/mapactive/authd/internal/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCommand()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "authd:", err)
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "authd",
		Short:         "Identity provider of the TTS, HDTS, AMS and BMS systems",
		Long:          "authd signs people in, issues the tokens the downstream systems verify, and keeps their users, roles and assignments.\nConfiguration comes from the environment (DJANGO_* and AUTHD_* variables). With no command, authd serves.",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          runServe,
	}
	root.AddCommand(newServeCommand(), newMigrateCommand(), newCheckConfigCommand(), newSeedCommand(),
		newCreateSuperuserCommand(), newUserCommand(), newAPIKeyCommand(), newEmployeeCommand(), newVersionCommand())
	root.AddCommand(newJobsCommand(), newWorkerCommand(), newSyncCommand())
	return root
}

// loadConfig reads the environment and reports every problem at once.
func loadConfig() (*config.Config, error) {
	cfg, err := config.FromEnvironment()
	var cfgErr *config.Error
	if errors.As(err, &cfgErr) {
		return nil, err
	}
	return cfg, err
}

// openApp loads the configuration and builds authd, migrating first when
// migrate is set.
func openApp(ctx context.Context, migrate bool) (*app.App, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	logger := app.NewLogger(cfg)
	// Code without a logger of its own (the 500 handler, for one) writes
	// through the default, so it must use the same format and level.
	slog.SetDefault(logger)
	for _, w := range cfg.Warnings {
		logger.Warn(w)
	}
	return app.New(ctx, cfg, app.Options{Logger: logger, Migrate: migrate})
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "authd", version)
		},
	}
}

func newCheckConfigCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Validate the configuration and print every problem",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, w := range cfg.Warnings {
				fmt.Fprintln(out, "warning:", w)
			}
			fmt.Fprintf(out, "configuration is valid (%s mode, %s database)\n", cfg.Env, cfg.Database.Driver)
			return nil
		},
	}
}

func newMigrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the database migrations and exit",
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer a.Close()
			applied, _, err := a.DB.SchemaStatus(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "database is at schema version %d\n", applied)
			return nil
		},
	}
}
