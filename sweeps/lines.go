package sweeps

import (
	"strconv"
	"strings"
)

// keyLines maps the dotted path of every key assigned in a TOML text
// ("repeats", "axes.batch", "input.1.video") to its 1-based line. Entries of
// arrays of tables are numbered from 0.
//
// Note: BurntSushi/toml's MetaData gives key order but not positions, and
// errors must name lines, so the text is scanned here. The scanner knows
// only what locating keys needs: table headers, key = value lines, and
// values (arrays, inline tables, multi-line strings) that span lines.
type keyLines map[string]int

func scanKeyLines(text string) keyLines {
	kl := keyLines{}
	prefix := ""
	arrays := map[string]int{}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		switch {
		case line == "" || line[0] == '#':
			continue
		case strings.HasPrefix(line, "[["):
			name := tomlKey(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(cutComment(line), "[[")), "]]"))
			n := arrays[name]
			arrays[name] = n + 1
			prefix = name + "." + strconv.Itoa(n)
			kl.set(prefix, i+1)
			continue
		case line[0] == '[':
			name := tomlKey(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(cutComment(line), "[")), "]"))
			prefix = name
			kl.set(prefix, i+1)
			continue
		}
		eq := indexOutsideQuotes(line, '=')
		if eq < 0 {
			continue
		}
		key := tomlKey(line[:eq])
		if prefix != "" {
			key = prefix + "." + key
		}
		kl.set(key, i+1)
		// Skip the continuation lines of a value that spans lines.
		depth, inMulti := valueState(line[eq+1:], 0, "")
		for (depth > 0 || inMulti != "") && i+1 < len(lines) {
			i++
			depth, inMulti = valueState(lines[i], depth, inMulti)
		}
	}
	return kl
}

func (kl keyLines) set(key string, line int) {
	if _, ok := kl[key]; !ok {
		kl[key] = line
	}
}

// line returns the line of key, or of its nearest enclosing key or table
// (the subkeys of an inline table share its line), or 0.
func (kl keyLines) line(key string) int {
	for key != "" {
		if n, ok := kl[key]; ok {
			return n
		}
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}

// tomlKey normalises a possibly dotted, possibly quoted key.
func tomlKey(s string) string {
	var parts []string
	for _, p := range splitOutsideQuotes(strings.TrimSpace(s), '.') {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && (p[0] == '"' || p[0] == '\'') && p[len(p)-1] == p[0] {
			if u, err := strconv.Unquote(`"` + p[1:len(p)-1] + `"`); err == nil {
				p = u
			} else {
				p = p[1 : len(p)-1]
			}
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ".")
}

func cutComment(s string) string {
	if i := indexOutsideQuotes(s, '#'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

func indexOutsideQuotes(s string, c byte) int {
	var q byte
	for i := 0; i < len(s); i++ {
		switch {
		case q != 0:
			if s[i] == '\\' && q == '"' {
				i++
			} else if s[i] == q {
				q = 0
			}
		case s[i] == '"' || s[i] == '\'':
			q = s[i]
		case s[i] == c:
			return i
		}
	}
	return -1
}

func splitOutsideQuotes(s string, c byte) []string {
	var out []string
	for {
		i := indexOutsideQuotes(s, c)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
}

// valueState scans part of a value, carrying the bracket depth and any open
// multi-line string (`"""` or `”'`) from the previous line.
func valueState(s string, depth int, multi string) (int, string) {
	for i := 0; i < len(s); i++ {
		if multi != "" {
			if strings.HasPrefix(s[i:], multi) {
				i += len(multi) - 1
				multi = ""
			} else if s[i] == '\\' && multi == `"""` {
				i++
			}
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], `"""`), strings.HasPrefix(s[i:], `'''`):
			multi = s[i : i+3]
			i += 2
		case s[i] == '"' || s[i] == '\'':
			q := s[i]
			for i++; i < len(s) && s[i] != q; i++ {
				if s[i] == '\\' && q == '"' {
					i++
				}
			}
		case s[i] == '#':
			return depth, ""
		case s[i] == '[' || s[i] == '{':
			depth++
		case s[i] == ']' || s[i] == '}':
			depth--
		}
	}
	return depth, multi
}
