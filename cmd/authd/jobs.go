package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/app"
	"github.com/mapactive/authd/internal/jobs"
)

// defaultWorkerJobs is the number of concurrent jobs per queue of `authd
// worker` when AUTHD_JOB_WORKERS is 0, which is how operators keep the
// jobs out of `authd serve`.
const defaultWorkerJobs = 2

func newJobsCommand() *cobra.Command {
	command := &cobra.Command{
		Use:   "jobs",
		Short: "Inspect, retry and discard delivery jobs (e-mails, sync messages, events)",
	}
	var state string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List jobs, newest first (every state but done unless --state is given)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := jobs.ListOptions{Limit: limit}
			if state != "" {
				parsed, err := jobs.ParseState(state)
				if err != nil {
					return fmt.Errorf("--state: %w", err)
				}
				opts.State = parsed
			}
			if limit < 1 || limit > jobs.MaxListLimit {
				return fmt.Errorf("--limit %d is out of range: use 1 to %d", limit, jobs.MaxListLimit)
			}
			return withApp(cmd, func(a *app.App) error { return printJobs(cmd, a, opts) })
		},
	}
	list.Flags().StringVar(&state, "state", "", "only jobs in this state: pending, running, failed, dead or done")
	list.Flags().IntVar(&limit, "limit", jobs.DefaultListLimit, "maximum number of jobs to print")

	command.AddCommand(list,
		jobActionCommand("retry", "Run a pending, failed or dead job again now, with a fresh round of attempts",
			"queued job %d for retry", (*jobs.System).Retry),
		jobActionCommand("discard", "Delete a job that is not running; later jobs of its entity stop waiting for it",
			"discarded job %d", (*jobs.System).Discard))
	return command
}

func jobActionCommand(name, short, done string, action func(*jobs.System, context.Context, int64) error) *cobra.Command {
	var id int64
	command := &cobra.Command{
		Use:   name + " --id ID",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if id < 1 {
				return fmt.Errorf("--id is required: the job id that `authd jobs list` prints")
			}
			return withApp(cmd, func(a *app.App) error {
				if err := action(a.Jobs, cmd.Context(), id); err != nil {
					return fmt.Errorf("job %d: %w", id, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), done+"\n", id)
				return nil
			})
		},
	}
	command.Flags().Int64Var(&id, "id", 0, "job id")
	return command
}

func printJobs(cmd *cobra.Command, a *app.App, opts jobs.ListOptions) error {
	list, total, err := a.Jobs.List(cmd.Context(), opts)
	if err != nil {
		return err
	}
	out := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(out, "ID\tKIND\tSTATE\tATTEMPTS\tRUN AFTER\tSUMMARY\tLAST ERROR")
	for _, job := range list {
		lastError := ""
		if job.LastError != nil {
			lastError = strings.Join(strings.Fields(*job.LastError), " ")
		}
		fmt.Fprintf(out, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", job.ID, job.Kind, job.State, job.Attempts,
			job.RunAfter.UTC().Format(time.RFC3339), job.Summary, lastError)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d of %s shown\n", len(list), countOf(total, "matching job", "matching jobs"))
	return nil
}

// withApp builds authd for one command and closes it afterwards.
func withApp(cmd *cobra.Command, fn func(a *app.App) error) error {
	a, err := openApp(cmd.Context(), true)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

func newWorkerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the job workers only, until interrupted (AUTHD_JOB_WORKERS jobs per queue, 2 when it is 0)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := loadConfig()
			if err != nil {
				return err
			}
			if cfg.Sync.JobWorkers == 0 {
				cfg.Sync.JobWorkers = defaultWorkerJobs
			}
			logger := app.NewLogger(cfg)
			slog.SetDefault(logger)
			for _, w := range cfg.Warnings {
				logger.Warn(w)
			}
			a, err := app.New(ctx, cfg, app.Options{Logger: logger, Migrate: true})
			if err != nil {
				return err
			}
			// Close stops the workers, letting running jobs finish first.
			defer a.Close()
			if err := a.StartJobs(ctx); err != nil {
				return err
			}
			<-ctx.Done()
			logger.Info("stopping the job workers")
			return nil
		},
	}
}

func newSyncCommand() *cobra.Command {
	command := &cobra.Command{
		Use:   "sync",
		Short: "Queue bulk sync messages for the downstream systems",
	}
	userEmails := &cobra.Command{
		Use:   "user-emails",
		Short: "Queue notifications.bulk_sync_user_emails with every active staff user, 100 users a message",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(a *app.App) error {
				return queueSync(cmd, a, func(ctx context.Context, tx bun.Tx) (int, error) {
					return a.Outbox.BulkSyncUserEmails(ctx, tx)
				})
			})
		},
	}
	var rolesOnly bool
	var delay time.Duration
	ttsRoles := &cobra.Command{
		Use:   "tts-roles",
		Short: "Queue a create message for every tts role, then for every tts assignment",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if delay < 0 {
				return fmt.Errorf("--delay %s is negative", delay)
			}
			return withApp(cmd, func(a *app.App) error {
				return queueSync(cmd, a, func(ctx context.Context, tx bun.Tx) (int, error) {
					return a.Outbox.ResyncTTSRoles(ctx, tx, rolesOnly, a.Now(), delay)
				})
			})
		},
	}
	ttsRoles.Flags().BoolVar(&rolesOnly, "roles-only", false, "queue the roles but not the assignments")
	ttsRoles.Flags().DurationVar(&delay, "delay", 500*time.Millisecond, "time between two messages, such as 0.5s")
	command.AddCommand(userEmails, ttsRoles)
	return command
}

// queueSync writes the messages of a sync command in one transaction and
// reports how many it queued.
func queueSync(cmd *cobra.Command, a *app.App, write func(ctx context.Context, tx bun.Tx) (int, error)) error {
	var count int
	err := a.DB.InTx(cmd.Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		count, err = write(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	pronoun := "them"
	if count == 1 {
		pronoun = "it"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "queued %s; the job workers publish %s\n", countOf(count, "message", "messages"), pronoun)
	if a.Config.Sync.JobWorkers == 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "AUTHD_JOB_WORKERS is 0: run `authd worker` to publish %s\n", pronoun)
	}
	return nil
}

// queueWorkflowSeed queues workflow.seed_workflows for `authd seed tts`.
func queueWorkflowSeed(cmd *cobra.Command, a *app.App) error {
	return queueSync(cmd, a, func(ctx context.Context, tx bun.Tx) (int, error) {
		return 1, a.Outbox.SeedWorkflows(ctx, tx)
	})
}
