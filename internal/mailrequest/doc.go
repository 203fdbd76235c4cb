// Package mailrequest runs the account-dependent half of public requests
// whose response must not reveal whether an account exists (forgot
// password, the employee request-otp route) as background jobs of kind
// "mail_request".
//
// The HTTP handler only queues a job with the submitted address and the
// client address (Queue.Enqueue, or a Requester bound to one purpose), so
// it does the same work for every address. The worker looks the account
// up and decides whether to send, through the handler registered for the
// job's purpose (Router.Handle). The job system calls Router.Register when
// it builds its River workers.
//
//	router := mailrequest.NewRouter(logger)
//	jobs.Options{RegisterWorkers: []func(*river.Workers){router.Register}}
//	router.Handle(mailrequest.StaffPasswordReset, securityHandlers.ProcessResetRequest)
//	securityHandlers.SetResetRequests(mailrequest.Requester{Queue: queue, Purpose: mailrequest.StaffPasswordReset})
package mailrequest
