// Package migrations reads the numbered SQL migrations a backend embeds.
// Each backend applies them its own way (a transaction; PostgreSQL under an
// advisory lock, in its schema); this is only the shared reading and
// numbering rule, and which of them a database still needs.
package migrations

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Migration is one schema change.
type Migration struct {
	Version int
	SQL     string
}

// Load returns the files dir/NNNN_description.sql of fsys in order. They
// must be numbered from 1 without gaps, so a missing file is an error here
// rather than a schema silently skipping a step.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for i, name := range names { // fs.Glob sorts
		base := path.Base(name)
		digits, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(digits)
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, SQL: string(b)})
	}
	return ms, nil
}

// Unapplied returns the migrations of ms after version current, the
// highest a database has recorded. A database recording a version this
// program does not have was migrated by a newer one: it is refused rather
// than misread.
func Unapplied(ms []Migration, current int) ([]Migration, error) {
	switch {
	case current > len(ms):
		return nil, fmt.Errorf("database schema version %d is newer than this program's %d", current, len(ms))
	case current < 0:
		return nil, fmt.Errorf("database schema version %d is not a version", current)
	}
	return ms[current:], nil
}
