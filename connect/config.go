package connect

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"
)

// EnvMaxWorkerConcurrency is the environment variable read when
// Config.MaxWorkerConcurrency is 0.
const EnvMaxWorkerConcurrency = "INNGEST_CONNECT_MAX_WORKER_CONCURRENCY"

// Config tunes a Worker. A nil *Config uses the defaults.
type Config struct {
	// InstanceID names this worker to the server, stable across restarts
	// and reconnections (a hostname, a pod name). Default: the hostname.
	InstanceID string
	// MaxWorkerConcurrency is the most calls the worker runs at once; the
	// server sends no more. Default: INNGEST_CONNECT_MAX_WORKER_CONCURRENCY,
	// else 0, no limit. Negative is an error.
	MaxWorkerConcurrency int
	// RewriteGatewayURL, when set, changes the gateway URL the server
	// names before the worker dials it: for a gateway behind a proxy, or
	// a server that names a host the worker cannot resolve.
	RewriteGatewayURL func(u *url.URL) (*url.URL, error)
	// Backoff is the wait before reconnection attempt n (from 0) after a
	// failed or lost connection. Default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// AckTimeout is how long a reply may go unacknowledged by the gateway
	// before it is sent again through the API. Default 10s.
	AckTimeout time.Duration
}

// DefaultBackoff waits 0.5s, 1s, 2s, 5s, 10s, then 30s between attempts.
func DefaultBackoff(attempt int) time.Duration {
	steps := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}
	return steps[min(max(attempt, 0), len(steps)-1)]
}

// resolve applies defaults and environment variables and checks cfg.
func (cfg Config) resolve() (Config, error) {
	if cfg.InstanceID == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			return cfg, errors.New("inngest: connect: no instance ID: set connect.Config.InstanceID (the hostname is unknown)")
		}
		cfg.InstanceID = host
	}
	if cfg.MaxWorkerConcurrency == 0 {
		if v := os.Getenv(EnvMaxWorkerConcurrency); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("inngest: connect: %s=%q is not a whole number", EnvMaxWorkerConcurrency, v)
			}
			cfg.MaxWorkerConcurrency = n
		}
	}
	if cfg.MaxWorkerConcurrency < 0 {
		return cfg, fmt.Errorf("inngest: connect: MaxWorkerConcurrency is %d; use 0 for no limit or a positive number", cfg.MaxWorkerConcurrency)
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 10 * time.Second
	}
	return cfg, nil
}
