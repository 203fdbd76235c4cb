package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mapactive/authd/internal/app"
	"github.com/mapactive/authd/internal/seed"
)

func newSeedCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Create the systems, roles and development accounts",
		Long:  "Seeds are idempotent: they create what is missing and change nothing else. They refuse to run in production mode unless given --force; seed demo refuses even then.",
	}
	cmd.PersistentFlags().BoolVar(&force, "force", false, "run in production mode")

	seeder := func(cmd *cobra.Command, demo bool) (*app.App, *seed.Seeder, error) {
		a, err := openApp(cmd.Context(), true)
		if err != nil {
			return nil, nil, err
		}
		if a.Config.Production && (demo || !force) {
			a.Close()
			if demo {
				return nil, nil, errors.New("seed demo creates accounts with known passwords and never runs in production mode")
			}
			return nil, nil, errors.New("refusing to seed in production mode without --force")
		}
		out := cmd.OutOrStdout()
		s := &seed.Seeder{DB: a.DB, Now: a.Now, Log: func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }}
		if a.Outbox != nil {
			s.Outbox = a.Outbox
		}
		return a, s, nil
	}
	simple := func(use, short string, run func(cmd *cobra.Command, s *seed.Seeder) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, RunE: func(cmd *cobra.Command, args []string) error {
			a, s, err := seeder(cmd, false)
			if err != nil {
				return err
			}
			defer a.Close()
			return run(cmd, s)
		}}
	}
	cmd.AddCommand(
		simple("systems", "Create the hdts, tts, ams and bms systems with their Admin roles", func(cmd *cobra.Command, s *seed.Seeder) error {
			return s.Systems(cmd.Context())
		}),
		simple("hdts", "Create the hdts roles", func(cmd *cobra.Command, s *seed.Seeder) error { return s.SystemRoles(cmd.Context(), "hdts") }),
		simple("ams", "Create the ams roles", func(cmd *cobra.Command, s *seed.Seeder) error { return s.SystemRoles(cmd.Context(), "ams") }),
		simple("bms", "Create the bms roles", func(cmd *cobra.Command, s *seed.Seeder) error { return s.SystemRoles(cmd.Context(), "bms") }),
		simple("roles", "Create every system and all built-in roles", func(cmd *cobra.Command, s *seed.Seeder) error { return s.AllRoles(cmd.Context()) }),
		newSeedTTSCommand(seeder),
		newSeedDemoCommand(seeder),
	)
	return cmd
}

func newSeedTTSCommand(seeder func(*cobra.Command, bool) (*app.App, *seed.Seeder, error)) *cobra.Command {
	var noWorkflowSeed bool
	cmd := &cobra.Command{
		Use:   "tts",
		Short: "Create the tts roles and ask TTS to seed its workflows",
		RunE: func(cmd *cobra.Command, args []string) error {
			a, s, err := seeder(cmd, false)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := s.SystemRoles(cmd.Context(), "tts"); err != nil {
				return err
			}
			if !noWorkflowSeed {
				return seedWorkflows(cmd, a)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noWorkflowSeed, "no-workflow-seed", false, "do not publish workflow.seed_workflows")
	return cmd
}

func newSeedDemoCommand(seeder func(*cobra.Command, bool) (*app.App, *seed.Seeder, error)) *cobra.Command {
	var password string
	var generate, reset bool
	var employees int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create every role plus the development accounts and employees",
		RunE: func(cmd *cobra.Command, args []string) error {
			a, s, err := seeder(cmd, true)
			if err != nil {
				return err
			}
			defer a.Close()
			if password == "" {
				password = a.Config.SeedPassword
			}
			if password == "" {
				password = seed.DevelopmentPassword
			}
			type created struct{ email, password string }
			var generated []created
			err = s.Demo(cmd.Context(), seed.DemoOptions{
				Password: password, GeneratePasswords: generate, ResetPasswords: reset, ExtraEmployees: employees,
				Hash: a.Hasher.Hash,
				Created: func(email, plain string) {
					if plain != "" {
						generated = append(generated, created{email, plain})
					}
				},
			})
			if err != nil {
				return err
			}
			if len(generated) > 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "\nGenerated passwords (shown once):")
				for _, g := range generated {
					fmt.Fprintf(cmd.OutOrStdout(), "  %-60s %s\n", g.email, g.password)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&password, "password", "", "password of every development account (default: AUTHD_SEED_PASSWORD, else the documented development password)")
	cmd.Flags().BoolVar(&generate, "generate-passwords", false, "give each created account a random password, printed once at the end")
	cmd.Flags().BoolVar(&reset, "reset-passwords", false, "also set the password of accounts that already exist")
	cmd.Flags().IntVar(&employees, "employees", 0, "number of additional random Approved employees")
	return cmd
}

// seedWorkflows publishes workflow.seed_workflows, which makes TTS seed
// its workflows.
func seedWorkflows(cmd *cobra.Command, a *app.App) error {
	if !a.Config.Sync.Enabled {
		fmt.Fprintln(cmd.OutOrStdout(), "sync is off (no broker configured): workflow.seed_workflows not sent")
		return nil
	}
	return queueWorkflowSeed(cmd, a)
}
