// Package jobs runs authd's background work on River, over the application
// database (SQLite or PostgreSQL): it publishes Celery task messages and
// domain events to RabbitMQ, sends e-mails, and purges expired rows.
//
// Jobs are written with EnqueueCelery, EnqueueEvent and EnqueueEmail in the
// transaction of the change that causes them, so a rolled-back change
// leaves no job and a committed one always has its jobs. The outbox
// package decides which jobs a change needs.
//
// Sync messages and events keep per-entity order across retries, which
// River alone does not: it would retry a failed message after later ones.
// Each message has an ordering key ("<queue>:<entity type>:<entity id>")
// and a row in job_order until it is published. A job whose key has an
// earlier row is inserted pending, and the earlier job wakes it when it is
// done.
//
// Retries follow fixed schedules. Sync and event jobs retry after 1 s,
// 5 s, 30 s, 2 min and 10 min, then every 30 min, as many times as fit in
// the maximum age (AUTHD_JOB_MAX_AGE). E-mails retry after 1, 5, 15 and
// 60 minutes and 6 hours; permanent provider errors end them at once.
// A job that gives up is dead: it is kept with its last error, writes the
// audit event job.dead, and waits for a superadmin to Retry or Discard it.
// A dead sync job still holds back the later jobs of its key.
//
// List, Get, Retry and Discard serve the jobs API (Handlers) and the
// `authd jobs` commands. AddPurge registers the cleanups that the hourly
// maintenance job runs.
package jobs
