-- The SQLite twin of postgres/0001_initial.sql: INTEGER for booleans, TEXT
-- for timestamps and JSON, BLOB for bytes. Column names and rules are the same.

CREATE TABLE installation (
    key   VARCHAR(64) PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    email                   VARCHAR(254) NOT NULL,
    email_normalized        VARCHAR(254) NOT NULL,
    username                VARCHAR(150),
    username_normalized     VARCHAR(150),
    password                VARCHAR(255) NOT NULL,
    password_nfc            INTEGER NOT NULL DEFAULT 0,
    first_name              VARCHAR(100) NOT NULL DEFAULT '',
    middle_name             VARCHAR(100),
    last_name               VARCHAR(100) NOT NULL DEFAULT '',
    suffix                  VARCHAR(8) CHECK (suffix IN ('Jr.', 'Sr.', 'II', 'III', 'IV', 'V')),
    phone_number            VARCHAR(20),
    company_id              VARCHAR(16),
    company_number          BIGINT,
    department              VARCHAR(32) CHECK (department IN ('IT Department', 'Asset Department', 'Budget Department')),
    status                  VARCHAR(10) NOT NULL DEFAULT 'Pending' CHECK (status IN ('Pending', 'Approved', 'Rejected')),
    status_by_id            BIGINT REFERENCES users (id) ON DELETE SET NULL,
    status_at               TEXT,
    notified                INTEGER NOT NULL DEFAULT 0,
    profile_picture         VARCHAR(255),
    is_active               INTEGER NOT NULL DEFAULT 1,
    is_staff                INTEGER NOT NULL DEFAULT 0,
    is_superuser            INTEGER NOT NULL DEFAULT 0,
    otp_enabled             INTEGER NOT NULL DEFAULT 0,
    otp_disable_grant_until TEXT,
    failed_login_attempts   INTEGER NOT NULL DEFAULT 0,
    second_factor_failures  INTEGER NOT NULL DEFAULT 0,
    is_locked               INTEGER NOT NULL DEFAULT 0,
    lock_reason             VARCHAR(10) CHECK (lock_reason IN ('failures', 'admin')),
    lockout_time            TEXT,
    locked_until            TEXT,
    tokens_valid_after      TEXT,
    pending_email           VARCHAR(254),
    last_login              TEXT,
    date_joined             TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    CONSTRAINT users_superuser_is_staff CHECK (is_superuser = 0 OR is_staff = 1)
);
CREATE UNIQUE INDEX users_email_key ON users (email_normalized);
CREATE UNIQUE INDEX users_username_key ON users (username_normalized);
CREATE UNIQUE INDEX users_phone_number_key ON users (phone_number);
CREATE UNIQUE INDEX users_company_id_key ON users (company_id);
CREATE INDEX users_company_number_idx ON users (company_number);

CREATE TABLE employees (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    email                  VARCHAR(254) NOT NULL,
    email_normalized       VARCHAR(254) NOT NULL,
    username               VARCHAR(150),
    username_normalized    VARCHAR(150),
    password               VARCHAR(255) NOT NULL,
    password_nfc           INTEGER NOT NULL DEFAULT 0,
    first_name             VARCHAR(100) NOT NULL DEFAULT '',
    middle_name            VARCHAR(100),
    last_name              VARCHAR(100) NOT NULL DEFAULT '',
    suffix                 VARCHAR(8) CHECK (suffix IN ('Jr.', 'Sr.', 'II', 'III', 'IV', 'V')),
    phone_number           VARCHAR(20),
    company_id             VARCHAR(16),
    company_number         BIGINT,
    department             VARCHAR(32) CHECK (department IN ('IT Department', 'Asset Department', 'Budget Department')),
    status                 VARCHAR(10) NOT NULL DEFAULT 'Pending' CHECK (status IN ('Pending', 'Approved', 'Rejected')),
    status_by_id           BIGINT REFERENCES users (id) ON DELETE SET NULL,
    status_at              TEXT,
    notified               INTEGER NOT NULL DEFAULT 0,
    profile_picture        VARCHAR(255),
    otp_enabled            INTEGER NOT NULL DEFAULT 0,
    failed_login_attempts  INTEGER NOT NULL DEFAULT 0,
    second_factor_failures INTEGER NOT NULL DEFAULT 0,
    is_locked              INTEGER NOT NULL DEFAULT 0,
    lock_reason            VARCHAR(10) CHECK (lock_reason IN ('failures', 'admin')),
    lockout_time           TEXT,
    locked_until           TEXT,
    tokens_valid_after     TEXT,
    last_login             TEXT,
    user_id                BIGINT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
CREATE UNIQUE INDEX employees_email_key ON employees (email_normalized);
CREATE UNIQUE INDEX employees_username_key ON employees (username_normalized);
CREATE UNIQUE INDEX employees_phone_number_key ON employees (phone_number);
CREATE UNIQUE INDEX employees_company_id_key ON employees (company_id);
CREATE INDEX employees_company_number_idx ON employees (company_number);
CREATE INDEX employees_status_idx ON employees (status, created_at);

CREATE TABLE systems (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       VARCHAR(255) NOT NULL,
    slug       VARCHAR(255) NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX systems_name_key ON systems (name);
CREATE UNIQUE INDEX systems_slug_key ON systems (slug);

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    system_id   BIGINT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    name        VARCHAR(150) NOT NULL,
    description TEXT,
    is_custom   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX roles_system_name_key ON roles (system_id, name);
-- Lets assignments reference (role, system) so a role of another system is rejected by the database.
CREATE UNIQUE INDEX roles_id_system_key ON roles (id, system_id);

CREATE TABLE user_system_roles (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    system_id      BIGINT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    role_id        BIGINT NOT NULL,
    assigned_at    TEXT NOT NULL,
    is_active      INTEGER NOT NULL DEFAULT 1,
    settings       TEXT NOT NULL DEFAULT '{"is_deployed": true}',
    last_logged_on TEXT,
    CONSTRAINT user_system_roles_role_system_fkey FOREIGN KEY (role_id, system_id) REFERENCES roles (id, system_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX user_system_roles_user_system_role_key ON user_system_roles (user_id, system_id, role_id);
CREATE INDEX user_system_roles_role_idx ON user_system_roles (role_id, is_active, user_id);
CREATE INDEX user_system_roles_system_idx ON user_system_roles (system_id, user_id);

CREATE TABLE otp_codes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_type VARCHAR(10) NOT NULL CHECK (subject_type IN ('staff', 'employee')),
    subject_id   BIGINT NOT NULL,
    code_hmac    VARCHAR(64) NOT NULL,
    purpose      VARCHAR(10) NOT NULL CHECK (purpose IN ('login', 'request', 'disable')),
    challenge_id VARCHAR(32),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3
);
CREATE INDEX otp_codes_subject_idx ON otp_codes (subject_type, subject_id, used_at, expires_at);

CREATE TABLE totp_credentials (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_type             VARCHAR(10) NOT NULL CHECK (subject_type IN ('staff', 'employee')),
    subject_id               BIGINT NOT NULL,
    secret_encrypted         TEXT,
    confirmed_at             TEXT,
    pending_secret_encrypted TEXT,
    pending_expires_at       TEXT,
    last_used_step           BIGINT,
    created_at               TEXT NOT NULL
);
CREATE UNIQUE INDEX totp_credentials_subject_key ON totp_credentials (subject_type, subject_id);

CREATE TABLE recovery_codes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_type VARCHAR(10) NOT NULL CHECK (subject_type IN ('staff', 'employee')),
    subject_id   BIGINT NOT NULL,
    code_hash    VARCHAR(255) NOT NULL,
    batch_id     VARCHAR(36) NOT NULL,
    created_at   TEXT NOT NULL,
    used_at      TEXT
);
CREATE INDEX recovery_codes_subject_idx ON recovery_codes (subject_type, subject_id, used_at);

CREATE TABLE login_challenges (
    id           VARCHAR(32) PRIMARY KEY,
    subject_type VARCHAR(10) NOT NULL CHECK (subject_type IN ('staff', 'employee')),
    subject_id   BIGINT NOT NULL,
    methods      VARCHAR(64) NOT NULL,
    remember_me  INTEGER NOT NULL DEFAULT 1,
    ip           VARCHAR(45),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    consumed_at  TEXT,
    failures     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_challenges_subject_idx ON login_challenges (subject_type, subject_id, created_at);

CREATE TABLE password_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_type VARCHAR(10) NOT NULL CHECK (subject_type IN ('staff', 'employee')),
    subject_id   BIGINT NOT NULL,
    purpose      VARCHAR(10) NOT NULL CHECK (purpose IN ('reset', 'invite')),
    token_sha256 VARCHAR(64) NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
);
CREATE UNIQUE INDEX password_tokens_token_key ON password_tokens (token_sha256);
CREATE INDEX password_tokens_subject_idx ON password_tokens (subject_type, subject_id, purpose);

CREATE TABLE email_change_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email    VARCHAR(254) NOT NULL,
    token_sha256 VARCHAR(64) NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    confirmed_at TEXT
);
CREATE UNIQUE INDEX email_change_requests_token_key ON email_change_requests (token_sha256);
CREATE INDEX email_change_requests_user_idx ON email_change_requests (user_id);

CREATE TABLE captcha_challenges (
    id                VARCHAR(32) PRIMARY KEY,
    answer_hmac       VARCHAR(64) NOT NULL,
    created_at        TEXT NOT NULL,
    expires_at        TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    solved_at         TEXT,
    pass_token_sha256 VARCHAR(64),
    pass_expires_at   TEXT,
    pass_used_at      TEXT
);
CREATE UNIQUE INDEX captcha_challenges_pass_key ON captcha_challenges (pass_token_sha256);
CREATE INDEX captcha_challenges_expires_idx ON captcha_challenges (expires_at);

CREATE TABLE refresh_families (
    id                  VARCHAR(36) PRIMARY KEY,
    subject_type        VARCHAR(10) NOT NULL CHECK (subject_type IN ('staff', 'employee')),
    subject_id          BIGINT NOT NULL,
    created_at          TEXT NOT NULL,
    absolute_expires_at TEXT NOT NULL,
    last_used_at        TEXT,
    remember_me         INTEGER NOT NULL DEFAULT 1,
    ip                  VARCHAR(45),
    user_agent          VARCHAR(256),
    revoked_at          TEXT,
    revoke_reason       VARCHAR(20)
);
CREATE INDEX refresh_families_subject_idx ON refresh_families (subject_type, subject_id);
CREATE INDEX refresh_families_expiry_idx ON refresh_families (absolute_expires_at);

CREATE TABLE refresh_tokens (
    jti              VARCHAR(32) PRIMARY KEY,
    family_id        VARCHAR(36) NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    parent_jti       VARCHAR(32),
    access_jti       VARCHAR(32) NOT NULL,
    issued_at        TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    used_at          TEXT,
    successor_jti    VARCHAR(32),
    grace_ciphertext BLOB,
    grace_expires_at TEXT
);
CREATE INDEX refresh_tokens_access_jti_idx ON refresh_tokens (access_jti);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_grace_idx ON refresh_tokens (grace_expires_at);

CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            VARCHAR(100) NOT NULL,
    prefix          VARCHAR(16) NOT NULL,
    key_sha256      VARCHAR(64) NOT NULL,
    scopes          TEXT NOT NULL,
    created_by_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT,
    last_used_at    TEXT,
    last_used_ip    VARCHAR(45),
    revoked_at      TEXT,
    rotated_from_id BIGINT REFERENCES api_keys (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX api_keys_prefix_key ON api_keys (prefix);

CREATE TABLE admin_sessions (
    id_sha256    VARCHAR(64) PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ip           VARCHAR(45),
    user_agent   VARCHAR(256)
);
CREATE INDEX admin_sessions_user_idx ON admin_sessions (user_id);

CREATE TABLE throttle_buckets (
    bucket            VARCHAR(32) NOT NULL,
    key               VARCHAR(320) NOT NULL,
    count             INTEGER NOT NULL DEFAULT 0,
    window_started_at TEXT NOT NULL,
    blocked_until     TEXT,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
);
CREATE INDEX throttle_buckets_updated_idx ON throttle_buckets (updated_at);

CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at  TEXT NOT NULL,
    event        VARCHAR(64) NOT NULL,
    outcome      VARCHAR(10) NOT NULL CHECK (outcome IN ('success', 'failure')),
    actor_type   VARCHAR(10),
    actor_id     BIGINT,
    subject_type VARCHAR(10),
    subject_id   BIGINT,
    identifier   VARCHAR(254),
    ip           VARCHAR(45),
    user_agent   VARCHAR(256),
    request_id   VARCHAR(64),
    details      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_type, subject_id);
CREATE INDEX audit_events_event_idx ON audit_events (event, occurred_at);
