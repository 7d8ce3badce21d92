// Package reports turns sweep result records (record.Result, one JSON line
// per run) into what people and CI read: an HTML report with the plan's KPI
// table and charts, a Markdown summary, and best.toml, the config that
// production runs use.
//
// The work flows one way, as in benchstat: Analyze computes every statistic
// once into a Report (summaries, comparisons, the choice of best config);
// WriteHTML, WriteMarkdown, BestTOML and WriteOutcome only format a Report.
// Generate does all of it, from the results files to the files written, for
// `ftbench report` and at the end of a sweep.
package reports
