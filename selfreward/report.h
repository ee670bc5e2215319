// selfreward/report.h: the run's report: report.json (the numbers), report.md (paper-shaped
// tables with the paper's numbers beside ours, plots embedded) and SVG plots, plus the same
// tables compactly for a terminal, and a range check of every metric.
//
// THE REPORT SCHEMA (public contract; every part optional: missing models/rows are skipped).
// Percentages are 0..100, scores 0..5, counts non-negative integers.
//   {"name": run name, "preset": string, "seed": integer, "seconds": total wall seconds,
//    "models": {NAME: {                    NAME: M0, SFT, M1, M2, M3, M4, ... or an ablation such
//                                           as M2_posonly, M2_oracle (shown after the Mk models)
//        "if": {"oracle_mean" (0..5), "exact_pct", "mean_len" (chars), "finished_pct" (optional)},
//        "rm": {"pairwise_acc", "five_best_pct", "exact_match_pct", "spearman" (-1..1),
//               "kendall_tau" (-1..1), "parse_fail_pct"}}},
//    "head_to_head": {"M2_vs_M1": {"win", "tie", "loss"} (% from the first model's side,
//               summing to 100), "M3_vs_M2", "M1_vs_SFT", "M3_vs_SFT", ... any "A_vs_B"},
//    "rounds": [{"round": 1, "model_in": "M1", "model_out": "M2",
//               "prompts_generated", "prompts_kept", "filter_drops": {reason: count},
//               "candidates", "judgements", "judge_parse_fail_pct",
//               "score_hist": [c0..c5] (counts of rounded average self-scores),
//               "tie_pct" (prompts whose scored candidates all tie), "pairs_kept",
//               "pair_oracle_agreement_pct" (kept pairs whose chosen response the oracle scores
//               strictly higher), "mean_self_reward" (0..5), "mean_oracle_reward" (0..5),
//               "self_minus_oracle" (optional, -5..5: mean gap on candidates scored by both),
//               "oracle_scorable_pct" (optional: candidates whose prompt the oracle can score),
//               "mean_response_len" (chars),
//               "dpo": {"loss_first", "loss_last", "accuracies_last" (fraction 0..1, TRL
//                       style), "margins_last", "rewards_chosen_last", "rewards_rejected_last"}}],
//    "stage_seconds": {stage: seconds}}
//
// NaN (written as null in report.json; either is accepted on input) is allowed ONLY in:
//   models.*.rm.five_best_pct                 no response was judged 5
//   rounds[*].judge_parse_fail_pct            when judgements == 0
//   rounds[*].tie_pct, mean_self_reward       no judgement parsed
//   rounds[*].mean_oracle_reward, pair_oracle_agreement_pct, self_minus_oracle
//                                             no candidate / pair the oracle can score (a
//                                             self-instructed prompt need not be a world task)
//   rounds[*].dpo.*                           when pairs_kept == 0 (no DPO ran)
//   rounds[*].mean_response_len               when candidates == 0
// Everything else must be a finite number in range; validate_report() checks exactly this.
// Rendered tables show NaN/null as "n/a".
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "selfreward/eval.h"
#include "selfreward/metrics.h"
#include "selfreward/svg.h"

namespace sr {

// The Markdown report; svg_files (names relative to the report) are embedded as images.
std::string report_markdown(const nlohmann::json& report, const std::vector<std::string>& svg_files);

// The same tables, compact, for a terminal (./sr_demo prints it at the end).
std::string report_terminal_tables(const nlohmann::json& report);

// Writes run_dir/report.json (pretty), run_dir/report.md, and the plots losses.svg (training
// loss per stage, from metrics.jsonl lines {"stage","step","loss"}; a missing file or bad
// lines give fewer points, never an error), if_scores.svg, judge_accuracy.svg, rounds.svg.
// Every file is written atomically (tmp + rename). Throws if run_dir cannot be written.
void write_report(const std::string& run_dir, const nlohmann::json& report, const std::string& metrics_jsonl_path);

// "" when every present metric is in range (rules above), else a message naming the first
// bad field, e.g. "models.M1.rm.spearman = 1.5 is outside [-1, 1]".
std::string validate_report(const nlohmann::json& report);

// Helpers for the lead to fill the schema from results (NaN stays NaN -> null in JSON).
nlohmann::json if_json(const IfEval& e);
nlohmann::json rm_json(const RmEval& e);
nlohmann::json head_to_head_json(const HeadToHead& h);

// One series per stage (first-seen order) of (step, loss) from a metrics.jsonl file; lines
// that are not JSON objects with a numeric "step" and a finite "loss" are skipped. A series
// longer than max_points is averaged down in equal buckets. Exposed for tests.
std::vector<svg::Series> loss_series_from_jsonl(const std::string& path, size_t max_points = 400);

}  // namespace sr
