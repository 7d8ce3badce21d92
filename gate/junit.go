package gate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/ftbench/ftbench/metric"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one test case per check,
// named by the trial (class) and the rule; a failing check is a failure,
// an inconclusive one is skipped (it was not decided), and each failed run
// of the candidate is a failure of its own.
func WriteJUnit(w io.Writer, rep *Report) error {
	s := junitSuite{Name: "ftbench gate", Properties: []junitProperty{
		{"baseline", sideLine(rep.Baseline)},
		{"candidate", sideLine(rep.Candidate)},
		{"compared", comparedAs(rep)},
		{"verdict", rep.Verdict.String()},
	}}
	for _, c := range rep.Checks {
		row := fmt.Sprintf("%s: baseline %s, candidate %s, %s", c.Rule.Metric, fmtSummary(c.Base, metric.Number), fmtSummary(c.Cand, metric.Number), fmtVersus(c))
		if c.Rule.Kind == Threshold {
			row = fmt.Sprintf("%s: candidate %s", c.Rule.Metric, fmtSummary(c.Cand, metric.Number))
		}
		tc := junitCase{Classname: c.Trial.String(), Name: c.Rule.String(), SystemOut: row + "\n" + c.Reason}
		switch c.Verdict {
		case Fail:
			kind := "regression"
			if c.Rule.Kind == Threshold {
				kind = "threshold"
			}
			tc.Failure = &junitMessage{Message: c.Reason, Type: kind, Text: row}
			s.Failures++
		case Inconclusive:
			msg := "inconclusive: " + c.Reason
			if c.Settle > 0 && c.Settle <= maxSettle {
				msg += fmt.Sprintf("; about %d runs a side would settle it", c.Settle)
			}
			tc.Skipped = &junitMessage{Message: msg}
			s.Skipped++
		}
		s.Cases = append(s.Cases, tc)
	}
	for _, f := range rep.Failures {
		s.Cases = append(s.Cases, junitCase{
			Classname: f.Trial.String(), Name: fmt.Sprintf("run in round %d", f.Round),
			Failure: &junitMessage{Message: f.Error, Type: "run " + string(f.Status)},
		})
		s.Failures++
	}
	s.Tests = len(s.Cases)
	s.SystemOut = strings.Join(details(rep), "\n")
	out := junitSuites{Name: "ftbench gate", Tests: s.Tests, Failures: s.Failures, Skipped: s.Skipped, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
