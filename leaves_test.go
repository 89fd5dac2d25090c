package portalmfa_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// heavyModules are the image stack behind the QR code, the User-Agent
// parser, the phone-number metadata (and the protobuf it brings) and the
// SMTP client: what packages totp/qrcode, devices/devicename, oob/phone and
// oob/smtpmail are there to keep away from the storage backends.
var heavyModules = []string{
	"github.com/yeqown/go-qrcode/v2",
	"github.com/yeqown/go-qrcode/writer/standard",
	"github.com/yeqown/reedsolomon",
	"github.com/fogleman/gg",
	"github.com/golang/freetype",
	"golang.org/x/image",
	"github.com/pkg/errors",
	"github.com/mileusna/useragent",
	"github.com/nyaruka/phonenumbers",
	"google.golang.org/protobuf",
	"github.com/wneessen/go-mail",
}

// TestLeavesStayLight holds the backends, and so every capability package
// they import, to STYLE rule 19: they link none of heavyModules. It asks
// the go tool, since only the build graph knows what a package links.
func TestLeavesStayLight(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to list the backends' dependencies")
	}
	t.Run("Backends", func(t *testing.T) {
		deps := listDeps(t, goTool, "./store/memory", "./store/sqlite", "./store/postgres")
		heavy := map[string]bool{} // package paths
		var linked []string        // modules
		for _, d := range deps {
			if slices.Contains(heavyModules, d.module) {
				heavy[d.path] = true
				if !slices.Contains(linked, d.module) {
					linked = append(linked, d.module)
				}
			}
		}
		if len(linked) == 0 {
			return
		}
		// Name the doors, the light packages importing a heavy one, so
		// the failure says which import to move.
		var doors []string
		for _, d := range deps {
			for _, imp := range d.imports {
				if heavy[imp] && !heavy[d.path] {
					doors = append(doors, d.path+" imports "+imp)
				}
			}
		}
		t.Errorf("the backends link %s:\n\t%s", strings.Join(linked, ", "), strings.Join(doors, "\n\t"))
	})
	// The list above must name the modules those two packages really use,
	// or the check proves nothing.
	t.Run("ListIsCurrent", func(t *testing.T) {
		linked := map[string]bool{}
		for _, p := range listDeps(t, goTool, "./totp/qrcode", "./devices/devicename") {
			linked[p.module] = true
		}
		for _, want := range []string{"github.com/yeqown/go-qrcode/v2", "github.com/mileusna/useragent"} {
			if !linked[want] {
				t.Errorf("totp/qrcode and devices/devicename no longer link %s: update heavyModules", want)
			}
		}
	})
}

// dep is one package of a build graph.
type dep struct {
	path, module string
	imports      []string
}

// listDeps returns the packages pkgs link, themselves included.
func listDeps(t *testing.T, goTool string, pkgs ...string) []dep {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}\t{{with .Module}}{{.Path}}{{end}}\t{{join .Imports \" \"}}"}, pkgs...)
	out, err := exec.Command(goTool, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var deps []dep
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(f) != 3 {
			t.Fatalf("go list: unexpected line %q", line)
		}
		deps = append(deps, dep{path: f[0], module: f[1], imports: strings.Fields(f[2])})
	}
	return deps
}
