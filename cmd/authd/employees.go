package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/outbox"
)

func newEmployeeCommand() *cobra.Command {
	employee := &cobra.Command{
		Use:   "employee",
		Short: "Manage HDTS employee accounts",
	}
	var id int64
	remove := &cobra.Command{
		Use:   "delete --id I",
		Short: "Delete an employee, sign it out everywhere and send the delete sync message",
		RunE: func(cmd *cobra.Command, args []string) error {
			if id <= 0 {
				return errors.New("--id must be a positive employee id")
			}
			ctx := cmd.Context()
			a, err := openApp(ctx, true)
			if err != nil {
				return err
			}
			defer a.Close()
			e, err := a.Employees.Delete(ctx, id, &outbox.Actor{Type: "system"})
			if errors.Is(err, employees.ErrNotFound) {
				return fmt.Errorf("no employee has id %d", id)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted employee %d (%s)\n", e.ID, e.Email)
			return nil
		},
	}
	remove.Flags().Int64Var(&id, "id", 0, "id of the employee (in the employees table, not a staff id)")
	remove.MarkFlagRequired("id")
	employee.AddCommand(remove)
	return employee
}
