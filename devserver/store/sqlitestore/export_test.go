package sqlitestore

import (
	"context"
	"fmt"
)

// SetUserVersion sets the schema version, as a newer program would.
func SetUserVersion(s *Store, v int) error {
	_, err := s.db.ExecContext(context.Background(), fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}
