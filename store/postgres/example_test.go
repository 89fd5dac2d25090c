package postgres_test

import (
	"context"
	"log"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/store/postgres"
)

// Every instance of the portal opens the same database: the first to start
// creates the schema, the others find it ready.
func ExampleOpen() {
	ctx := context.Background()
	store, err := postgres.Open(ctx, "postgres://portal@db.internal:5432/portal?sslmode=verify-full")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	svc, err := portalmfa.New(portalmfa.Config{
		Issuer: "Acme Portal",
		Keys:   [][]byte{ /* the portal's key ring */ },
		Store:  store,
		CheckPassword: func(ctx context.Context, userID, password string) (bool, error) {
			return false, nil // the host's own password check
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = svc
}

// A host that already has a pool for its own tables shares it, and keeps
// the second-factor tables in a schema of their own.
func ExampleNew() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig("postgres://portal@db.internal:5432/portal")
	if err != nil {
		log.Fatal(err)
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	store, err := postgres.New(ctx, pool, "acme_mfa")
	if err != nil {
		log.Fatal(err)
	}
	_ = store // Config.Store of the portal's Service
}
