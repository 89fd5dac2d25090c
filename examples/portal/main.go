package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/oob/smtpmail"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

// run is the whole program: flags, portal, server, until ctx ends.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("portal", flag.ContinueOnError)
	flags.SetOutput(stdout)
	addr := flags.String("addr", "127.0.0.1:8080", "address to listen on")
	origin := flags.String("origin", "", "the URL browsers reach the portal at (https://portal.example), whose host\nis the passkeys' RP ID; default http://localhost:PORT")
	db := flags.String("db", "portalmfa-demo.db", "SQLite file for second-factor data (the key is kept in <db>.key),\nor a postgres:// URL (the key is kept in portalmfa-demo.key)")
	smtp := flags.String("smtp", "", "send codes by email through this SMTP server (host:port, STARTTLS), as\n$PORTAL_SMTP_USER with $PORTAL_SMTP_PASSWORD, from $PORTAL_SMTP_FROM;\ndefault: into the development outbox")
	shift := flags.Duration("shift-clock", 0, "development only: run the portal's clock this far ahead (360h is 15 days),\nto see a policy's deadline pass")
	reseal := flags.Bool("reseal", false, "seal every stored TOTP secret again under the newest key, print how many,\nand exit: what to run before an old key leaves the ring")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", flags.Args())
	}

	var email portalmfa.EmailSender // the outbox, unless -smtp
	if *smtp != "" {
		sender, err := smtpSender(*smtp, os.Getenv)
		if err != nil {
			return err
		}
		email = sender
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	if *reseal {
		return resealSecrets(ctx, stdout, portalConfig{DB: *db, Logger: logger})
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	url := *origin
	if url == "" {
		url = localOrigin(ln.Addr())
	}
	cfg := portalConfig{DB: *db, Logger: logger, Origin: url, Email: email}
	if *shift != 0 {
		cfg.Now = func() time.Time { return time.Now().Add(*shift) }
		logger.Warn("the portal's clock is shifted: development only", "shift", *shift)
	}
	p, err := newPortal(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	// Old sign-in history goes hourly; the loop stops, before the database
	// closes, when run returns.
	pruneCtx, stopPruning := context.WithCancel(ctx)
	var pruning sync.WaitGroup
	pruning.Go(func() { p.pruneHistory(pruneCtx, time.Hour) })
	defer pruning.Wait()
	defer stopPruning()

	srv := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	printBanner(stdout, url+"/", *db, *smtp, p)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// smtpSender is the sender of codes by email through the SMTP server at
// hostport, with STARTTLS, as the account the environment names.
func smtpSender(hostport string, getenv func(string) string) (*smtpmail.Sender, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, fmt.Errorf("-smtp: %w", err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("-smtp: port %q is not a number", port)
	}
	from := getenv("PORTAL_SMTP_FROM")
	if from == "" {
		return nil, errors.New("-smtp: set PORTAL_SMTP_FROM to the sender's address")
	}
	return smtpmail.New(smtpmail.Config{Host: host, Port: n, From: from,
		Username: getenv("PORTAL_SMTP_USER"), Password: getenv("PORTAL_SMTP_PASSWORD")})
}

// resealSecrets opens the demo's database and key ring, seals every TOTP
// secret stored there again under the newest key, and prints how many it
// re-sealed, also when it stops on an error part of the way. It serves
// nothing, so it may run beside a running portal.
func resealSecrets(ctx context.Context, w io.Writer, cfg portalConfig) error {
	p, err := newPortal(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	n, err := p.svc.ResealSecrets(ctx)
	fmt.Fprintf(w, "Re-sealed %d TOTP secret(s) under the newest key.\n", n)
	return err
}

// localOrigin is the origin of a portal listening on addr, named
// localhost: browsers allow passkeys on http://localhost, never on an IP
// address such as 127.0.0.1.
func localOrigin(addr net.Addr) string {
	_, port, _ := net.SplitHostPort(addr.String())
	return "http://localhost:" + port
}

func printBanner(w io.Writer, url, db, smtp string, p *portal) {
	key := "existing key, read"
	if p.keyCreated {
		key = "created now; keep it with the database"
	}
	fmt.Fprintf(w, "\n%s, a portalmfa demo\n\n", portalName)
	fmt.Fprintf(w, "  Open      %s\n", url)
	fmt.Fprintf(w, "  Database  %s\n", redactDB(db))
	fmt.Fprintf(w, "  Key file  %s (%s)\n\n", p.keyPath, key)
	fmt.Fprintf(w, "  Demo users (email / password):\n")
	for _, u := range demoUsers() {
		fmt.Fprintf(w, "    %-20s %-18s %s, prefers %s, in %s\n", u.Email, u.Password, u.Name,
			englishLanguageName(p.messages, u.Language), strings.Join(u.Groups, ", "))
	}
	fmt.Fprintf(w, "\n  Console   %sadmin/2fa/ (sign in as admin@example.com)", url)
	fmt.Fprintf(w, "\n  Outbox    %sdev/outbox (notifications, codes by text message", url)
	if smtp == "" {
		fmt.Fprint(w, " and by email)\n\n")
	} else {
		fmt.Fprintf(w, "; codes by email go through %s)\n\n", smtp)
	}
	if strings.HasPrefix(url, "http://") {
		fmt.Fprintln(w, "  Plain http: the trusted-device cookie is portalmfa_device, without the")
		fmt.Fprintln(w, "  __Host- prefix and Secure flag it gets over HTTPS, which browsers refuse")
		fmt.Fprintln(w, "  to store on http. Put the portal behind TLS in production.")
		fmt.Fprintln(w)
	}
}

// englishLanguageName names a language tag in English, for the banner,
// from the demo's messages; a tag they do not name is shown as it is.
func englishLanguageName(messages *i18n.Bundle, tag string) string {
	s, err := i18n.NewLocalizer(messages, "en").Localize(&i18n.LocalizeConfig{MessageID: "acme.language_name." + tag})
	if err != nil {
		return tag
	}
	return s
}
