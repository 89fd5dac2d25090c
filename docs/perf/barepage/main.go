// Command barepage serves one html/template page of -size bytes on every
// path: the baseline docs/PERFORMANCE.md compares the demo's security page
// with. Each request executes the template with data of its own, as the
// security page does: -rows list items (the page's devices and sign-ins)
// with a name, an ID in attributes and a URL, a time and the client's
// address, all escaped in their context. The rest of the size is fixed
// markup of the template, as most of a real page is. Only the database and
// the library are missing.
//
//	go run ./docs/perf/barepage -addr 127.0.0.1:0 -size 18554 -rows 14
//
// It prints "listening on ADDR" once it accepts connections.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// page is the template, with %s where the fixed markup that brings it to
// the size goes.
const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body>
<main class="container">
<h1>{{.Title}}</h1>
<p class="small">Request {{printf "%%08d" .Request}} at <time datetime="{{.When}}">{{.When}}</time> from {{.Client}}.</p>
<ul class="list-group">
{{- range .Rows}}
  <li class="list-group-item" id="row-{{.ID}}">
    <h3 class="h6 mb-1">{{.Name}}</h3>
    <p class="small">{{$.Client}} · <time datetime="{{$.When}}">{{$.When}}</time></p>
    <form method="post" action="/rows/{{.ID}}/rename">
      <input name="name" type="text" value="{{.Name}}" maxlength="64">
      <button type="submit">Save</button>
    </form>
  </li>
{{- end}}
</ul>
<div class="small text-body-secondary">%s</div>
</main>
</body>
</html>
`

type row struct {
	ID   string
	Name string
}

type data struct {
	Title   string
	Request int64
	When    string
	Client  string
	Rows    []row
}

// names need escaping, in text and in attributes.
var names = []string{"Edge on macOS", "Chrome on Windows", "Safari on iOS", "Firefox on Linux", `Alice's "work" laptop`}

// whenLayout has a fixed width, so every page has the same size for client
// addresses of one length.
const whenLayout = "2006-01-02T15:04:05.000Z"

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	size := flag.Int("size", 18000, "bytes of the page (for a client address as long as 127.0.0.1:NNNNN)")
	rows := flag.Int("rows", 14, "list items of per-request data on the page")
	flag.Parse()

	tmpl, err := fit(*size, *rows)
	if err != nil {
		log.Fatal(err)
	}
	var requests atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		d := data{
			Title:   "Security",
			Request: n,
			When:    time.Now().UTC().Format(whenLayout),
			Client:  r.RemoteAddr,
			Rows:    make([]row, *rows),
		}
		for i := range d.Rows {
			d.Rows[i] = row{ID: fmt.Sprintf("%024x", n*int64(*rows)+int64(i)), Name: names[i%len(names)]}
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, d); err != nil {
			http.Error(w, "Internal server error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s (pages of %d bytes, %d rows)\n", ln.Addr(), *size, *rows)
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "barepage:", err)
		os.Exit(1)
	}
}

// fit returns the template whose pages, with rows rows, are size bytes
// long.
func fit(size, rows int) (*template.Template, error) {
	parse := func(filler int) (*template.Template, int, error) {
		t, err := template.New("page").Parse(fmt.Sprintf(page, strings.Repeat("x", filler)))
		if err != nil {
			return nil, 0, err
		}
		d := data{Title: "Security", When: whenLayout, Client: "127.0.0.1:50000", Rows: make([]row, rows)}
		for i := range d.Rows {
			d.Rows[i] = row{ID: fmt.Sprintf("%024x", i), Name: names[i%len(names)]}
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, d)
		return t, buf.Len(), err
	}
	_, bare, err := parse(0)
	if err != nil {
		return nil, err
	}
	if bare > size {
		return nil, fmt.Errorf("a page of %d rows is %d bytes, more than %d", rows, bare, size)
	}
	t, n, err := parse(size - bare)
	if err == nil && n != size {
		err = fmt.Errorf("a page of %d bytes came out %d", size, n)
	}
	return t, err
}
