package httpx_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// languages and the CLDR plural categories each needs for whole numbers
// (fr, es and it have "many" for round millions: "1 000 000 de minutes").
var pluralForms = map[string][]string{
	"en": {"one", "other"},
	"de": {"one", "other"},
	"nl": {"one", "other"},
	"fr": {"one", "many", "other"},
	"es": {"one", "many", "other"},
	"it": {"one", "many", "other"},
}

// message is one entry of a locale file: a string, or a map of plural
// forms (and a description for translators).
type message struct {
	text   string
	plural map[string]string
}

func (m message) isPlural() bool { return m.plural != nil }

func (m message) texts() []string {
	if !m.isPlural() {
		return []string{m.text}
	}
	var out []string
	for k, v := range m.plural {
		if k != "description" {
			out = append(out, v)
		}
	}
	return out
}

func loadLocale(t *testing.T, lang string) map[string]message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("locales", lang+".json"))
	require.NoError(t, err)
	var entries map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &entries), lang)
	out := map[string]message{}
	for id, v := range entries {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[id] = message{text: s}
			continue
		}
		var forms map[string]string
		require.NoError(t, json.Unmarshal(v, &forms), "%s: %s", lang, id)
		if _, ok := forms["one"]; ok {
			out[id] = message{plural: forms}
		} else {
			// {"description": …, "other": …} is a plain message with a note.
			out[id] = message{text: forms["other"]}
		}
	}
	return out
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(texts []string) []string {
	var names []string
	for _, s := range texts {
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func TestLocaleFiles(t *testing.T) {
	files, err := filepath.Glob("locales/*.json")
	require.NoError(t, err)
	var langs []string
	for _, f := range files {
		langs = append(langs, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	require.ElementsMatch(t, []string{"en", "fr", "es", "de", "it", "nl"}, langs)

	en := loadLocale(t, "en")
	require.NotEmpty(t, en)
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			msgs := loadLocale(t, lang)
			for id, ref := range en {
				m, ok := msgs[id]
				if !assert.True(t, ok, "%s is missing %q", lang, id) {
					continue
				}
				assert.Equal(t, ref.isPlural(), m.isPlural(), "%s: %q plural or not, as in English", lang, id)
				for _, s := range m.texts() {
					assert.NotEmpty(t, strings.TrimSpace(s), "%s: %q is empty", lang, id)
				}
				assert.Equal(t, placeholders(ref.texts()), placeholders(m.texts()),
					"%s: %q uses other placeholders than English", lang, id)
				if m.isPlural() {
					for _, form := range pluralForms[lang] {
						assert.NotEmpty(t, m.plural[form], "%s: %q lacks the plural form %q", lang, id, form)
					}
				}
			}
			for id := range msgs {
				_, ok := en[id]
				assert.True(t, ok, "%s has %q, which en.json does not", lang, id)
			}
		})
	}
}

// Message IDs the templates use: the t and tn calls.
var templateCall = regexp.MustCompile(`(?:\{\{-?|\()\s*tn?\s+"([^"]+)"`)

func templateIDs(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("templates/*.html")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	ids := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range templateCall.FindAllStringSubmatch(string(src), -1) {
			ids[m[1]] = f
		}
	}
	return ids
}

// Message IDs the Go code uses: the values of the msg… constants.
func goIDs(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	ids := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "msg") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				require.True(t, ok, "%s: %s is not a string literal", f, name.Name)
				id, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				ids[id] = f + ": " + name.Name
			}
			return true
		})
	}
	require.NotEmpty(t, ids)
	return ids
}

func TestMessageIDsExist(t *testing.T) {
	en := loadLocale(t, "en")
	used := map[string]bool{}
	for name, ids := range map[string]map[string]string{"templates": templateIDs(t), "Go": goIDs(t)} {
		t.Run(name, func(t *testing.T) {
			for id, where := range ids {
				used[id] = true
				_, ok := en[id]
				assert.True(t, ok, "%s uses %q, which en.json lacks", where, id)
			}
		})
	}
	t.Run("no unused messages", func(t *testing.T) {
		for id := range en {
			assert.True(t, used[id], "en.json has %q, which nothing uses", id)
		}
	})
	t.Run("tn only for plural messages", func(t *testing.T) {
		plural := regexp.MustCompile(`tn\s+"([^"]+)"`)
		files, _ := filepath.Glob("templates/*.html")
		for _, f := range files {
			b, _ := os.ReadFile(f)
			for _, m := range plural.FindAllStringSubmatch(string(b), -1) {
				assert.True(t, en[m[1]].isPlural(), "%s: tn %q is not a plural message", f, m[1])
			}
		}
	})
}
