package captcha

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	dchest "github.com/dchest/captcha"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/throttle"
)

// Providers.
const (
	Builtin   = "builtin"
	ReCAPTCHA = "recaptcha"
	HCaptcha  = "hcaptcha"
	Turnstile = "turnstile"
	None      = "none"
)

// Lifetimes and limits of the built-in challenge.
const (
	ChallengeLifetime = 5 * time.Minute
	PassLifetime      = 120 * time.Second
	MaxWrongAnswers   = 3
	answerLength      = 6
	imageWidth        = 240
	imageHeight       = 80
)

// Errors of Check. Their texts are the messages captcha/verify/ returns.
var (
	ErrIncorrect = errors.New("Incorrect CAPTCHA answer.")
	ErrExpired   = errors.New("CAPTCHA expired. Request a new one.")
)

// Challenge is a new built-in challenge as the client receives it.
type Challenge struct {
	ID    string
	Image string // data:image/png;base64,...
	Audio string // data:audio/wav;base64,...
}

// challengeRow is a row of captcha_challenges.
type challengeRow struct {
	bun.BaseModel `bun:"table:captcha_challenges"`

	ID              string     `bun:"id,pk"`
	AnswerHMAC      string     `bun:"answer_hmac"`
	CreatedAt       time.Time  `bun:"created_at"`
	ExpiresAt       time.Time  `bun:"expires_at"`
	Attempts        int        `bun:"attempts"`
	SolvedAt        *time.Time `bun:"solved_at"`
	PassTokenSHA256 *string    `bun:"pass_token_sha256"`
	PassExpiresAt   *time.Time `bun:"pass_expires_at"`
	PassUsedAt      *time.Time `bun:"pass_used_at"`
}

// Service makes and checks CAPTCHA challenges.
type Service struct {
	cfg    config.Captcha
	db     bun.IDB
	now    func() time.Time
	keys   [][]byte // answer HMAC keys: the current secret key first, then fallbacks
	client *http.Client
	logger *slog.Logger
}

// NewService returns a Service for the configured provider.
func NewService(cfg config.Captcha, db bun.IDB, keyring *secrets.Keyring, now func() time.Time, logger *slog.Logger) *Service {
	return &Service{cfg: cfg, db: db, now: now, keys: keyring.Keys(secrets.InfoCaptcha),
		client: &http.Client{Timeout: cfg.Timeout}, logger: logger}
}

// Provider returns the configured provider name.
func (s *Service) Provider() string { return s.cfg.Provider }

// SiteKey returns the widget site key of an external provider.
func (s *Service) SiteKey() string { return s.cfg.SiteKey }

// Verifier returns the sign-in verifier, or nil when CAPTCHA is off.
func (s *Service) Verifier() throttle.CaptchaVerifier {
	if s.cfg.Provider == None {
		return nil
	}
	return s
}

// Generate stores a new built-in challenge and returns its image and audio.
func (s *Service) Generate(ctx context.Context) (*Challenge, error) {
	return s.generate(ctx, dchest.RandomDigits(answerLength))
}

// generate stores a challenge whose answer is digits (values 0 to 9).
func (s *Service) generate(ctx context.Context, digits []byte) (*Challenge, error) {
	id := secrets.HexID()
	var image, audio bytes.Buffer
	if _, err := dchest.NewImage(id, digits, imageWidth, imageHeight).WriteTo(&image); err != nil {
		return nil, err
	}
	if _, err := dchest.NewAudio(id, digits, "en").WriteTo(&audio); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	row := &challengeRow{ID: id, AnswerHMAC: secrets.HMACHex(s.keys[0], id+":"+digitsText(digits)),
		CreatedAt: now, ExpiresAt: now.Add(ChallengeLifetime)}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, err
	}
	return &Challenge{
		ID:    id,
		Image: "data:image/png;base64," + base64.StdEncoding.EncodeToString(image.Bytes()),
		Audio: "data:audio/wav;base64," + base64.StdEncoding.EncodeToString(audio.Bytes()),
	}, nil
}

func digitsText(digits []byte) string {
	out := make([]byte, len(digits))
	for i, d := range digits {
		out[i] = '0' + d
	}
	return string(out)
}

// normalizeAnswer drops white space and folds case, so "12 34 56" matches.
func normalizeAnswer(answer string) string {
	return strings.ToLower(strings.Join(strings.Fields(answer), ""))
}

// Check compares an answer with a challenge and returns a pass token for
// a right one. A wrong answer counts: the third makes the challenge
// expire. Every challenge can be solved once.
func (s *Service) Check(ctx context.Context, id, answer string) (string, error) {
	now := s.now().UTC()
	row := &challengeRow{}
	err := s.db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrExpired
	}
	if err != nil {
		return "", err
	}
	if row.SolvedAt != nil || row.Attempts >= MaxWrongAnswers || !now.Before(row.ExpiresAt) {
		return "", ErrExpired
	}

	normalized := normalizeAnswer(answer)
	right := false
	for _, key := range s.keys {
		if secrets.Equal(secrets.HMACHex(key, id+":"+normalized), row.AnswerHMAC) {
			right = true
		}
	}
	if !right {
		var attempts int
		err := s.db.NewUpdate().Model((*challengeRow)(nil)).Set("attempts = attempts + 1").
			Where("id = ?", id).Where("solved_at IS NULL").Where("attempts < ?", MaxWrongAnswers).
			Returning("attempts").Scan(ctx, &attempts)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && attempts >= MaxWrongAnswers) {
			return "", ErrExpired
		}
		if err != nil {
			return "", err
		}
		return "", ErrIncorrect
	}

	pass := secrets.Token(32)
	res, err := s.db.NewUpdate().Model((*challengeRow)(nil)).
		Set("solved_at = ?", now).Set("pass_token_sha256 = ?", secrets.SHA256Hex(pass)).Set("pass_expires_at = ?", now.Add(PassLifetime)).
		Where("id = ?", id).Where("solved_at IS NULL").Where("attempts < ?", MaxWrongAnswers).Exec(ctx)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", ErrExpired
	}
	return pass, nil
}

// Verify checks the CAPTCHA response of a sign-in: a built-in pass token,
// redeemed once, or an external widget response. It implements
// throttle.CaptchaVerifier.
func (s *Service) Verify(ctx context.Context, response, ip string) (bool, error) {
	switch s.cfg.Provider {
	case None:
		return true, nil
	case Builtin:
		return s.redeemPass(ctx, response)
	}
	ok, err := s.verifyExternal(ctx, response, ip)
	if err != nil {
		s.logger.WarnContext(ctx, "CAPTCHA verification failed; the sign-in is rejected", "provider", s.cfg.Provider, "error", err)
	}
	return ok, err
}

// redeemPass marks a pass token used; one conditional update makes it work
// once even when two sign-ins race.
func (s *Service) redeemPass(ctx context.Context, token string) (bool, error) {
	if token == "" || len(token) > 256 {
		return false, nil
	}
	now := s.now().UTC()
	res, err := s.db.NewUpdate().Model((*challengeRow)(nil)).Set("pass_used_at = ?", now).
		Where("pass_token_sha256 = ?", secrets.SHA256Hex(token)).
		Where("pass_used_at IS NULL").Where("pass_expires_at > ?", now).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
