package migrations_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa/store/internal/migrations"
)

func TestLoad(t *testing.T) {
	ms, err := migrations.Load(fstest.MapFS{
		"m/0002_b.sql": {Data: []byte("B")},
		"m/0001_a.sql": {Data: []byte("A")},
		"m/README":     {Data: []byte("not a migration")},
	}, "m")
	require.NoError(t, err)
	assert.Equal(t, []migrations.Migration{{1, "A"}, {2, "B"}}, ms)

	for name, fsys := range map[string]fstest.MapFS{
		"gap":       {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"no number": {"m/first.sql": {}},
		"from zero": {"m/0000_a.sql": {}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := migrations.Load(fsys, "m")
			assert.Error(t, err)
		})
	}
}

func TestUnapplied(t *testing.T) {
	ms := []migrations.Migration{{1, "A"}, {2, "B"}, {3, "C"}}
	for _, tc := range []struct {
		name    string
		current int
		want    []migrations.Migration
	}{
		{"new database", 0, ms},
		{"partly migrated", 2, ms[2:]},
		{"up to date", 3, []migrations.Migration{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := migrations.Unapplied(ms, tc.current)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for name, current := range map[string]int{"newer": 4, "negative": -1} {
		t.Run(name, func(t *testing.T) {
			_, err := migrations.Unapplied(ms, current)
			assert.Error(t, err)
		})
	}
}
