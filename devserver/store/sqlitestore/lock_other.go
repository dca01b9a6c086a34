//go:build !unix

package sqlitestore

// fileLock does nothing where flock is not available.
type fileLock struct{}

func lockFile(string) (*fileLock, error) { return &fileLock{}, nil }

func (*fileLock) release() {}
