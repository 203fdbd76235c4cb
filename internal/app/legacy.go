package app

import (
	"context"
	"time"

	"github.com/mapactive/authd/internal/apikeys"
)

// legacyWarningInterval is how often serve repeats the legacy open mode
// warning.
const legacyWarningInterval = time.Hour

// WarnLegacyOpen logs the routes that legacy open mode serves without
// credentials, at once and then every hour until ctx ends. It returns at
// once when AUTHD_INTERNAL_AUTH is api_key. Run it in its own goroutine.
func (a *App) WarnLegacyOpen(ctx context.Context) {
	a.warnLegacyOpen(ctx, legacyWarningInterval)
}

func (a *App) warnLegacyOpen(ctx context.Context, interval time.Duration) {
	routes := a.Server.LegacyOpenRoutes()
	if len(routes) == 0 {
		return
	}
	apikeys.WarnLegacyOpen(ctx, a.Logger, routes, interval)
}
