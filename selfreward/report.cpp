// selfreward/report.cpp: report.json / report.md / SVG plots / terminal tables / range check.
// The schema and the NaN rules are in report.h.
#include "selfreward/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

namespace sr {

using nlohmann::json;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------
// the paper's numbers (PAPER.md)

struct PaperH2H { const char* key; double win, loss; };
// GPT-4 judged, 256 prompts; win / loss %, the rest are ties.
const PaperH2H kPaperH2H[] = {
    {"M1_vs_SFT", 30.5, 30.9}, {"M2_vs_M1", 55.5, 11.7}, {"M3_vs_M2", 47.7, 12.5}, {"M3_vs_SFT", 62.5, 9.8}};

struct PaperRm { const char* model; const char* label; double pairwise, five_best, exact, spearman, kendall; };
const PaperRm kPaperRm[] = {
    {"SFT", "SFT baseline", 65.1, 39.6, 10.1, 0.253, 0.233},
    {"M1", "M1", 78.7, 41.5, 13.1, 0.279, 0.253},
    {"M2", "M2", 80.4, 44.3, 14.3, 0.331, 0.315},
    {"M3", "M3", 81.7, 43.2, 14.3, 0.349, 0.324}};

const char* kTieRule =
    "Tie rule (ours; the paper states none): a pair of responses with different true scores counts "
    "as correct only when the judge orders it strictly the same way; a judge tie or a missing "
    "(unparsed) score counts as wrong. Exact match needs every such pair of a prompt correct. "
    "5-best: responses whose average judge score is >= 4.5. Spearman/Kendall tau-b are per prompt "
    "over the scored responses (0 when fewer than 2 are scored or a side is constant), averaged "
    "over all prompts.";

// ---------------------------------------------------------------------------------------
// reading values: missing, null and NaN all read as NaN

double num(const json& obj, const char* key) {
    if (!obj.is_object()) return kNaN;
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_number()) return kNaN;
    return it->get<double>();
}

std::string str(const json& obj, const char* key, const std::string& fallback = "") {
    if (!obj.is_object()) return fallback;
    auto it = obj.find(key);
    if (it == obj.end()) return fallback;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer() || it->is_number_unsigned()) return it->dump();
    return fallback;
}

const json& child(const json& obj, const char* key) {
    static const json kNull;
    if (!obj.is_object()) return kNull;
    auto it = obj.find(key);
    return it == obj.end() ? kNull : *it;
}

// "n/a" for NaN; otherwise a fixed number of decimals.
std::string fmt(double v, int decimals) {
    if (!std::isfinite(v)) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}
std::string fmt_count(double v) { return fmt(v, 0); }

// Model names in display order: M0, SFT, then M1, M2, ... by number, then the rest
// (ablations such as M2_posonly) in key order.
bool is_round_model(const std::string& name) {  // "M" followed by digits only
    if (name.size() < 2 || name[0] != 'M') return false;
    for (size_t i = 1; i < name.size(); i++)
        if (name[i] < '0' || name[i] > '9') return false;
    return true;
}

std::vector<std::string> model_order(const json& models) {
    std::vector<std::string> order;
    if (!models.is_object()) return order;
    for (const char* m : {"M0", "SFT"})
        if (models.contains(m)) order.push_back(m);
    std::vector<std::pair<long, std::string>> rounds;
    for (auto it = models.begin(); it != models.end(); ++it)
        if (is_round_model(it.key()) && it.key() != "M0") rounds.emplace_back(std::stol(it.key().substr(1, 9)), it.key());
    std::sort(rounds.begin(), rounds.end());
    for (const auto& r : rounds) order.push_back(r.second);
    for (auto it = models.begin(); it != models.end(); ++it)
        if (it.key() != "SFT" && !is_round_model(it.key())) order.push_back(it.key());
    return order;
}

// Head-to-head keys: the paper's comparisons first (in its order), then the rest.
std::vector<std::string> h2h_order(const json& h2h) {
    std::vector<std::string> order;
    if (!h2h.is_object()) return order;
    for (const PaperH2H& p : kPaperH2H)
        if (h2h.contains(p.key)) order.push_back(p.key);
    for (auto it = h2h.begin(); it != h2h.end(); ++it) {
        bool paper = false;
        for (const PaperH2H& p : kPaperH2H) paper |= (it.key() == p.key);
        if (!paper) order.push_back(it.key());
    }
    return order;
}

std::string pretty_comparison(const std::string& key) {  // "M2_vs_M1" -> "M2 vs M1"
    const size_t at = key.find("_vs_");
    return at == std::string::npos ? key : key.substr(0, at) + " vs " + key.substr(at + 4);
}

const PaperH2H* paper_h2h(const std::string& key) {
    for (const PaperH2H& p : kPaperH2H)
        if (key == p.key) return &p;
    return nullptr;
}
const PaperRm* paper_rm(const std::string& model) {
    for (const PaperRm& p : kPaperRm)
        if (model == p.model) return &p;
    return nullptr;
}

bool any_model_has(const json& models, const char* part, const char* key) {
    for (const std::string& m : model_order(models))
        if (child(models[m], part).contains(key)) return true;
    return false;
}

// ---------------------------------------------------------------------------------------
// Markdown tables

std::string md_row(const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const std::string& c : cells) s += " " + c + " |";
    return s + "\n";
}
// The first `left` columns are text (left-aligned), the rest numbers (right-aligned).
std::string md_header(const std::vector<std::string>& cells, size_t left = 1) {
    std::string s = md_row(cells) + "|";
    for (size_t i = 0; i < cells.size(); i++) s += (i < left ? "---|" : "---:|");
    return s + "\n";
}

std::string score_hist_text(const json& hist) {
    if (!hist.is_array()) return "n/a";
    std::string s;
    for (size_t i = 0; i < hist.size(); i++) {
        if (i) s += " ";
        s += hist[i].is_number() ? fmt_count(hist[i].get<double>()) : "n/a";
    }
    return s;
}

std::string drops_text(const json& drops) {
    if (!drops.is_object() || drops.empty()) return "none";
    std::string s;
    for (auto it = drops.begin(); it != drops.end(); ++it) {
        if (!s.empty()) s += ", ";
        s += it.key() + " " + (it->is_number() ? fmt_count(it->get<double>()) : "n/a");
    }
    return s;
}

std::string svg_title(const std::string& file) {  // "if_scores.svg" -> "if scores"
    std::string t = file.substr(0, file.rfind('.'));
    for (char& c : t)
        if (c == '_') c = ' ';
    return t;
}

// ---------------------------------------------------------------------------------------
// terminal tables: fixed-width columns

std::string pad(const std::string& s, size_t width, bool left) {
    if (s.size() >= width) return s;
    return left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
}

std::string text_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width;
    for (const auto& r : rows)
        for (size_t i = 0; i < r.size(); i++) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], r[i].size());
        }
    std::string out;
    for (size_t k = 0; k < rows.size(); k++) {
        std::string line;
        for (size_t i = 0; i < rows[k].size(); i++) line += (i ? "  " : "  ") + pad(rows[k][i], width[i], i == 0);
        out += line + "\n";
        if (k == 0) {
            size_t total = 0;
            for (size_t w : width) total += w + 2;
            out += "  " + std::string(total - 2, '-') + "\n";
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// files

void write_file_atomic(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f)
            throw std::runtime_error("write_report: cannot open " + tmp +
                                     " for writing. HINT: check that the run folder exists and is writable.");
        f << text;
        f.flush();
        if (!f) throw std::runtime_error("write_report: writing " + tmp + " failed. HINT: is the disk full?");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw std::runtime_error("write_report: cannot rename " + tmp + " to " + path +
                                 ". HINT: check permissions of the run folder.");
}

// ---------------------------------------------------------------------------------------
// validation

struct Checker {
    std::string error;  // the first problem found

    bool ok() const { return error.empty(); }
    void fail(const std::string& path, const std::string& why) {
        if (error.empty()) error = path + " " + why;
    }
    // A present field: a number (or null/NaN when nullable) within [lo, hi].
    void range(const json& obj, const char* key, const std::string& path, double lo, double hi, bool nullable) {
        if (!obj.is_object() || !obj.contains(key)) return;
        const json& v = obj[key];
        const std::string where = path + "." + key;
        if (v.is_null() || (v.is_number() && std::isnan(v.get<double>()))) {
            if (!nullable) fail(where, "is NaN/null, which is allowed only where report.h documents it");
            return;
        }
        if (!v.is_number()) return fail(where, "is not a number (" + v.dump() + ")");
        const double x = v.get<double>();
        if (!std::isfinite(x) || x < lo || x > hi) {
            std::ostringstream s;
            s << "= " << x << " is outside [" << lo << ", " << hi << "]";
            fail(where, s.str());
        }
    }
    void pct(const json& obj, const char* key, const std::string& path, bool nullable = false) {
        range(obj, key, path, 0, 100, nullable);
    }
    void nonneg(const json& obj, const char* key, const std::string& path, bool nullable = false) {
        range(obj, key, path, 0, HUGE_VAL, nullable);
    }
    void finite(const json& obj, const char* key, const std::string& path, bool nullable = false) {
        range(obj, key, path, -HUGE_VAL, HUGE_VAL, nullable);
    }
    void count(const json& v, const std::string& where) {
        if (!v.is_number()) return fail(where, "is not a count (" + v.dump() + ")");
        const double x = v.get<double>();
        if (!std::isfinite(x) || x < 0 || x != std::floor(x)) fail(where, "= " + v.dump() + " is not a non-negative integer");
    }
    void count(const json& obj, const char* key, const std::string& path) {
        if (obj.is_object() && obj.contains(key)) count(obj[key], path + "." + key);
    }
};

}  // namespace

// ---------------------------------------------------------------------------------------
// JSON helpers

json if_json(const IfEval& e) {
    return json{{"oracle_mean", e.oracle_mean}, {"exact_pct", e.exact_pct}, {"mean_len", e.mean_len},
                {"finished_pct", e.finished_pct}};
}

json rm_json(const RmEval& e) {
    const RewardModelMetrics& m = e.metrics;
    return json{{"pairwise_acc", m.pairwise_acc_pct}, {"five_best_pct", m.five_best_pct},
                {"exact_match_pct", m.exact_match_pct}, {"spearman", m.spearman},
                {"kendall_tau", m.kendall_tau}, {"parse_fail_pct", e.parse_fail_pct}};
}

json head_to_head_json(const HeadToHead& h) { return json{{"win", h.win_pct}, {"tie", h.tie_pct}, {"loss", h.loss_pct}}; }

// ---------------------------------------------------------------------------------------
// Markdown

std::string report_markdown(const json& report, const std::vector<std::string>& svg_files) {
    std::string md;
    md += "# Self-rewarding run: " + str(report, "name", "(unnamed)") + "\n\n";
    md += "Preset `" + str(report, "preset", "n/a") + "`, seed " + str(report, "seed", "n/a") + ", total " +
          fmt(num(report, "seconds"), 1) + " s.\n\n";
    md += "All our scores come from the oracle of the task world (data/oracle.h), which plays the role of the "
          "paper's human rankings and GPT-4 judge; the paper's numbers are for Llama 2 70B and are shown for the "
          "shape of the result, not for a like-for-like comparison.\n\n";

    const json& models = child(report, "models");
    const std::vector<std::string> names = model_order(models);

    // (a) instruction following
    bool any_if = false;
    for (const std::string& m : names) any_if |= child(models[m], "if").is_object();
    if (any_if) {
        const bool finished = any_model_has(models, "if", "finished_pct");
        md += "## Instruction following (held-out prompts, greedy answers, oracle-scored)\n\n";
        const bool dev = any_model_has(models, "dev_if", "oracle_mean");
        std::vector<std::string> head = {"model", "oracle mean (0-5)", "exact %", "mean length (chars)"};
        if (finished) head.push_back("finished %");
        if (dev) head.push_back("dev oracle mean"), head.push_back("dev exact %");
        md += md_header(head);
        for (const std::string& m : names) {
            const json& e = child(models[m], "if");
            if (!e.is_object()) continue;
            std::vector<std::string> row = {m, fmt(num(e, "oracle_mean"), 2), fmt(num(e, "exact_pct"), 1),
                                            fmt(num(e, "mean_len"), 1)};
            if (finished) row.push_back(fmt(num(e, "finished_pct"), 1));
            if (dev) row.push_back(fmt(num(child(models[m], "dev_if"), "oracle_mean"), 2)), row.push_back(fmt(num(child(models[m], "dev_if"), "exact_pct"), 1));
            md += md_row(row);
        }
        if (dev)
            md += "\nThe first columns are the held-out TEST prompts (read only for this report); the dev columns are the "
                  "dev prompts, a separate slice of the reserved instances on which every setting was tuned.\n";
        md += "\nExact % = share of prompts whose answer is exactly the bare gold answer (oracle score 5). "
              "The paper reports mean response length growing 1,092 -> 1,552 -> 2,552 characters for M1 -> M2 -> M3.\n\n";
    }

    // (b) head-to-head
    const json& h2h = child(report, "head_to_head");
    const std::vector<std::string> comparisons = h2h_order(h2h);
    if (!comparisons.empty()) {
        md += "## Head-to-head (instruction following)\n\n";
        md += md_header({"comparison", "win %", "tie %", "loss %", "paper win %", "paper loss %"});
        for (const std::string& key : comparisons) {
            const json& h = h2h[key];
            const PaperH2H* p = paper_h2h(key);
            md += md_row({pretty_comparison(key), fmt(num(h, "win"), 1), fmt(num(h, "tie"), 1), fmt(num(h, "loss"), 1),
                          p ? fmt(p->win, 1) : "", p ? fmt(p->loss, 1) : ""});
        }
        md += "\nOurs: for each held-out prompt the oracle scores both models' greedy answers; the first model wins "
              "when its score is higher, ties when equal. Paper: GPT-4 as the judge, 256 prompts, win / loss % "
              "(the rest are ties).\n\n";
    }

    // (c) reward modelling
    bool any_rm = false;
    for (const std::string& m : names) any_rm |= child(models[m], "rm").is_object();
    if (any_rm) {
        md += "## Reward modelling (held-out rankings, oracle scores as truth)\n\n";
        md += md_header({"model", "pairwise acc. %", "5-best %", "exact match %", "Spearman", "Kendall tau", "parse fail %"});
        for (const std::string& m : names) {
            const json& e = child(models[m], "rm");
            if (!e.is_object()) continue;
            md += md_row({m + " (ours)", fmt(num(e, "pairwise_acc"), 1), fmt(num(e, "five_best_pct"), 1),
                          fmt(num(e, "exact_match_pct"), 1), fmt(num(e, "spearman"), 3), fmt(num(e, "kendall_tau"), 3),
                          fmt(num(e, "parse_fail_pct"), 1)});
            if (const PaperRm* p = paper_rm(m))
                md += md_row({std::string("*") + p->label + " (paper)*", fmt(p->pairwise, 1), fmt(p->five_best, 1),
                              fmt(p->exact, 1), fmt(p->spearman, 3), fmt(p->kendall, 3), ""});
        }
        md += "\n" + std::string(kTieRule) +
              " A response with no parsed judgement is missing; parse fail % counts single judgements. "
              "5-best is n/a when no response was judged 5.\n\n";
    }

    // (d) loop health
    const json& rounds = child(report, "rounds");
    if (rounds.is_array() && !rounds.empty()) {
        md += "## Loop health per round\n\n";
        md += md_header({"round", "model", "prompts kept / generated", "candidates", "judgements", "parse fail %",
                         "tie %", "pairs kept", "pair-oracle agreement %", "mean self reward", "mean oracle reward",
                         "self - oracle", "mean length"}, 2);
        for (const json& r : rounds) {
            const double self = num(r, "mean_self_reward"), oracle = num(r, "mean_oracle_reward");
            // The loop's own gap (same candidates on both sides) when given, else the difference of means.
            const double gap = r.contains("self_minus_oracle") ? num(r, "self_minus_oracle") : self - oracle;
            md += md_row({fmt_count(num(r, "round")), str(r, "model_in", "?") + " -> " + str(r, "model_out", "?"),
                          fmt_count(num(r, "prompts_kept")) + " / " + fmt_count(num(r, "prompts_generated")),
                          fmt_count(num(r, "candidates")), fmt_count(num(r, "judgements")),
                          fmt(num(r, "judge_parse_fail_pct"), 1), fmt(num(r, "tie_pct"), 1),
                          fmt_count(num(r, "pairs_kept")), fmt(num(r, "pair_oracle_agreement_pct"), 1), fmt(self, 2),
                          fmt(oracle, 2), fmt(gap, 2), fmt(num(r, "mean_response_len"), 1)});
        }
        md += "\n";
        md += md_header({"round", "self-score histogram 0..5", "filter drops", "DPO loss first -> last", "accuracy",
                         "margin", "reward chosen", "reward rejected"}, 3);
        for (const json& r : rounds) {
            const json& d = child(r, "dpo");
            md += md_row({fmt_count(num(r, "round")), score_hist_text(child(r, "score_hist")),
                          drops_text(child(r, "filter_drops")),
                          fmt(num(d, "loss_first"), 4) + " -> " + fmt(num(d, "loss_last"), 4),
                          fmt(num(d, "accuracies_last"), 3), fmt(num(d, "margins_last"), 3),
                          fmt(num(d, "rewards_chosen_last"), 3), fmt(num(d, "rewards_rejected_last"), 3)});
        }
        md += "\n";
        md += md_header({"round", "judge within-prompt acc. % (chance 50)", "judge ties %", "candidate pairs", "gap: judge pick - mean [95%]",
                         "candidates' mean", "judge's pick", "oracle's best", "prompts with one oracle score %",
                         "pairs the oracle ties %", "agreement on pairs it does not tie %", "identical pairs dropped"}, 4);
        for (const json& r : rounds) {
            const json& g = child(r, "gap");
            md += md_row({fmt_count(num(r, "round")), fmt(num(r, "judge_within_prompt_acc"), 1), fmt(num(r, "judge_tie_pct"), 1),
                          fmt_count(num(r, "judge_within_prompt_pairs")),
                          fmt(num(g, "mean"), 2) + " [" + fmt(num(g, "lo"), 2) + ", " + fmt(num(g, "hi"), 2) + "]",
                          fmt(num(g, "candidates_mean"), 2), fmt(num(g, "judge_pick"), 2), fmt(num(g, "oracle_best"), 2),
                          fmt(num(r, "all_candidates_same_score_pct"), 1), fmt(num(r, "pairs_oracle_tied_pct"), 1),
                          fmt(num(r, "pair_oracle_agreement_nontied_pct"), 1), fmt_count(num(r, "pairs_dropped_identical"))});
        }
        md += "\nThe judge on its own candidates: over every two candidates of one prompt that the oracle scores "
              "differently, the share the self-scores order the same way (a tie counts half, so chance is 50% whatever the "
              "tie rate); gap = the oracle score of the candidate the judge scores highest minus the candidates' mean (what "
              "self-judging can teach at all; sr gap measures it on dev prompts before a round).\n";
        md += "\nSelf reward = the model's own average judge score of the round's candidates; oracle reward = "
              "the oracle's score of the same candidates (those whose prompt is a task of the world). A self - oracle gap that grows over rounds is the judge "
              "rewarding itself for what the truth does not (reward hacking). Pair-oracle agreement: share of kept "
              "pairs whose chosen response the oracle scores strictly higher than the rejected one. DPO at step 0 "
              "must start at ln 2 = 0.6931; accuracy and rewards are TRL-style (last step).\n\n";
    }

    // (e) the generation-verification gap
    const json& gap = child(report, "gap");
    if (gap.is_object() && !gap.empty()) {
        md += "## Generation-verification gap (dev prompts, samples at T 1.0)\n\n";
        md += md_header({"model", "family", "prompts", "samples' mean", "greedy", "judge's pick", "oracle's best", "gap [95%]",
                         "exact % samples / pick / best", "judge within-prompt acc. %", "judge ties %"}, 3);
        for (auto it = gap.begin(); it != gap.end(); ++it) {
            if (!it->is_array()) continue;
            for (const json& r : *it)
                md += md_row({it.key(), str(r, "family", "?"), fmt_count(num(r, "prompts")), fmt(num(r, "mean"), 2), fmt(num(r, "greedy"), 2),
                              fmt(num(r, "judge_pick"), 2), fmt(num(r, "oracle_best"), 2),
                              fmt(num(r, "gap"), 2) + " [" + fmt(num(r, "gap_lo"), 2) + ", " + fmt(num(r, "gap_hi"), 2) + "]",
                              fmt(num(r, "mean_exact"), 1) + " / " + fmt(num(r, "pick_exact"), 1) + " / " + fmt(num(r, "best_exact"), 1),
                              fmt(num(r, "judge_acc"), 1), fmt(num(r, "judge_tie_pct"), 1)});
        }
        md += "\nPer dev prompt the model writes N samples; the oracle scores each, and so does the model's own judge. "
              "The judge's pick is the sample it scores highest (ties: their mean); gap = judge's pick - samples' mean is what "
              "a round of self-rewarding can teach at all, and the oracle's best is what a perfect judge would. Where the gap "
              "is ~0 the loop has nothing to learn from its own judge.\n\n";
    }

    // stage times
    const json& stages = child(report, "stage_seconds");
    if (stages.is_object() && !stages.empty()) {
        md += "## Time per stage\n\n";
        md += md_header({"stage", "seconds"});
        for (auto it = stages.begin(); it != stages.end(); ++it)
            md += md_row({it.key(), it->is_number() ? fmt(it->get<double>(), 1) : "n/a"});
        md += "\n";
    }

    if (!svg_files.empty()) {
        md += "## Plots\n\n";
        for (const std::string& f : svg_files) md += "![" + svg_title(f) + "](" + f + ")\n\n";
    }
    return md;
}

// ---------------------------------------------------------------------------------------
// terminal

std::string report_terminal_tables(const json& report) {
    std::string out;
    const json& models = child(report, "models");
    const std::vector<std::string> names = model_order(models);

    std::vector<std::vector<std::string>> rows = {{"model", "oracle", "exact%", "len", "pair%", "5best%", "exact-rank%", "spear", "kendall", "parsefail%"}};
    for (const std::string& m : names) {
        const json& i = child(models[m], "if");
        const json& r = child(models[m], "rm");
        rows.push_back({m, fmt(num(i, "oracle_mean"), 2), fmt(num(i, "exact_pct"), 1), fmt(num(i, "mean_len"), 1),
                        fmt(num(r, "pairwise_acc"), 1), fmt(num(r, "five_best_pct"), 1), fmt(num(r, "exact_match_pct"), 1),
                        fmt(num(r, "spearman"), 3), fmt(num(r, "kendall_tau"), 3), fmt(num(r, "parse_fail_pct"), 1)});
        if (const PaperRm* p = paper_rm(m))
            rows.push_back({"  paper", "", "", "", fmt(p->pairwise, 1), fmt(p->five_best, 1), fmt(p->exact, 1),
                            fmt(p->spearman, 3), fmt(p->kendall, 3), ""});
    }
    if (rows.size() > 1) out += "Models (instruction following: oracle mean / exact% / length; reward modelling vs oracle)\n" + text_table(rows);

    const json& h2h = child(report, "head_to_head");
    rows = {{"comparison", "win%", "tie%", "loss%", "paper win/loss"}};
    for (const std::string& key : h2h_order(h2h)) {
        const json& h = h2h[key];
        const PaperH2H* p = paper_h2h(key);
        rows.push_back({pretty_comparison(key), fmt(num(h, "win"), 1), fmt(num(h, "tie"), 1), fmt(num(h, "loss"), 1),
                        p ? fmt(p->win, 1) + "/" + fmt(p->loss, 1) : ""});
    }
    if (rows.size() > 1) out += "\nHead-to-head (oracle-scored; paper: GPT-4 judged)\n" + text_table(rows);

    const json& rounds = child(report, "rounds");
    rows = {{"round", "model", "kept/gen", "parse%", "tie%", "pairs", "agree%", "judge%", "gap", "self", "oracle", "len", "dpo loss"}};
    if (rounds.is_array())
        for (const json& r : rounds) {
            const json& d = child(r, "dpo");
            rows.push_back({fmt_count(num(r, "round")), str(r, "model_in", "?") + "->" + str(r, "model_out", "?"),
                            fmt_count(num(r, "prompts_kept")) + "/" + fmt_count(num(r, "prompts_generated")),
                            fmt(num(r, "judge_parse_fail_pct"), 1), fmt(num(r, "tie_pct"), 1),
                            fmt_count(num(r, "pairs_kept")), fmt(num(r, "pair_oracle_agreement_pct"), 1),
                            fmt(num(r, "judge_within_prompt_acc"), 1), fmt(num(child(r, "gap"), "mean"), 2),
                            fmt(num(r, "mean_self_reward"), 2), fmt(num(r, "mean_oracle_reward"), 2),
                            fmt(num(r, "mean_response_len"), 1),
                            fmt(num(d, "loss_first"), 3) + "->" + fmt(num(d, "loss_last"), 3)});
        }
    if (rows.size() > 1)
        out += "\nLoop health per round (agree%: pairs the oracle orders as the judge did; judge%: the judge's within-prompt "
               "accuracy on its candidates, chance 50; gap: oracle score of its pick minus the candidates' mean)\n" + text_table(rows);
    const json& dd = child(report, "dev_differences");
    rows = {{"dev prompts", "mean", "95% interval"}};
    if (dd.is_object())
        for (auto it = dd.begin(); it != dd.end(); ++it)
            rows.push_back({it.key(), fmt(num(*it, "mean"), 3), "[" + fmt(num(*it, "lo"), 3) + ", " + fmt(num(*it, "hi"), 3) + "]"});
    if (rows.size() > 1) out += "\nPaired differences of the oracle score on the dev prompts\n" + text_table(rows);
    return out;
}

// ---------------------------------------------------------------------------------------
// plots

std::vector<svg::Series> loss_series_from_jsonl(const std::string& path, size_t max_points) {
    std::vector<svg::Series> series;
    std::map<std::string, size_t> index;  // stage -> position in series
    std::ifstream f(path);
    std::string line;
    while (f && std::getline(f, line)) {
        const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!j.is_object()) continue;  // a torn last line or a non-JSON line: skip
        const double step = num(j, "step"), loss = num(j, "loss");
        if (!std::isfinite(step) || !std::isfinite(loss)) continue;
        const std::string stage = str(j, "stage", "(no stage)");
        auto it = index.find(stage);
        if (it == index.end()) {
            it = index.emplace(stage, series.size()).first;
            series.push_back({stage, {}});
        }
        series[it->second].points.emplace_back(step, loss);
    }
    // Long curves: average equal buckets (smooths noise and keeps the SVG small).
    for (svg::Series& s : series) {
        const size_t n = s.points.size();
        if (max_points == 0 || n <= max_points) continue;
        std::vector<std::pair<double, double>> down;
        for (size_t b = 0; b < max_points; b++) {
            const size_t lo = b * n / max_points, hi = (b + 1) * n / max_points;
            double sx = 0, sy = 0;
            for (size_t k = lo; k < hi; k++) sx += s.points[k].first, sy += s.points[k].second;
            down.emplace_back(sx / (hi - lo), sy / (hi - lo));
        }
        s.points = std::move(down);
    }
    return series;
}

void write_report(const std::string& run_dir, const json& report, const std::string& metrics_jsonl_path) {
    const std::string dir = run_dir.empty() ? "." : run_dir;
    const json& models = child(report, "models");
    const std::vector<std::string> names = model_order(models);

    // losses.svg
    const std::string losses =
        svg::line_chart("Training loss per stage", "step", "loss", loss_series_from_jsonl(metrics_jsonl_path));

    // if_scores.svg: both on a 0..5 scale so one axis fits
    std::vector<svg::BarGroup> if_groups;
    for (const std::string& m : names) {
        const json& e = child(models[m], "if");
        if (e.is_object()) if_groups.push_back({m, {num(e, "oracle_mean"), num(e, "exact_pct") / 20.0}});
    }
    const std::string if_scores = svg::bar_chart("Instruction following (oracle)", {"oracle mean (0-5)", "exact % / 20"},
                                                 if_groups, "score");

    // judge_accuracy.svg
    std::vector<svg::BarGroup> rm_groups;
    for (const std::string& m : names) {
        const json& e = child(models[m], "rm");
        if (e.is_object())
            rm_groups.push_back({m, {num(e, "pairwise_acc"), num(e, "exact_match_pct"), num(e, "five_best_pct")}});
    }
    const std::string judge_acc = svg::bar_chart("Reward modelling vs oracle", {"pairwise acc. %", "exact match %", "5-best %"},
                                                 rm_groups, "%");

    // rounds.svg: the reward-hacking gap
    svg::Series self{"mean self reward", {}}, oracle{"mean oracle reward", {}};
    const json& rounds = child(report, "rounds");
    if (rounds.is_array())
        for (const json& r : rounds) {
            self.points.emplace_back(num(r, "round"), num(r, "mean_self_reward"));
            oracle.points.emplace_back(num(r, "round"), num(r, "mean_oracle_reward"));
        }
    const std::string rounds_svg = svg::line_chart("Self reward vs oracle reward of the training responses", "round",
                                                   "score (0-5)", {self, oracle});

    std::vector<std::pair<std::string, std::string>> plots = {
        {"losses.svg", losses}, {"if_scores.svg", if_scores}, {"judge_accuracy.svg", judge_acc}, {"rounds.svg", rounds_svg}};
    // gap.svg: M1's gap per family (mean of samples / judge's pick / oracle's best)
    const json& gap = child(report, "gap");
    if (gap.is_object() && gap.contains("M1") && gap["M1"].is_array() && !gap["M1"].empty()) {
        std::vector<std::string> fams;
        std::vector<svg::BarGroup> groups = {{"samples' mean", {}}, {"self-judge's pick", {}}, {"oracle's best", {}}};
        for (const json& r : gap["M1"]) {
            fams.push_back(str(r, "family", "?").substr(0, 7));
            groups[0].values.push_back(num(r, "mean")), groups[1].values.push_back(num(r, "judge_pick"));
            groups[2].values.push_back(num(r, "oracle_best"));
        }
        plots.push_back({"gap.svg", svg::bar_chart("M1: generation-verification gap on dev prompts", fams, groups, "oracle score (0-5)")});
    }
    std::vector<std::string> files;
    for (const auto& p : plots) {
        write_file_atomic(dir + "/" + p.first, p.second);
        files.push_back(p.first);
    }
    // NaN becomes null in JSON; invalid UTF-8 in names is replaced rather than throwing.
    write_file_atomic(dir + "/report.json", report.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
    write_file_atomic(dir + "/report.md", report_markdown(report, files));
}

// ---------------------------------------------------------------------------------------
// validation

std::string validate_report(const json& report) {
    if (!report.is_object()) return "report is not a JSON object";
    Checker c;
    c.nonneg(report, "seconds", "report");
    if (report.contains("name") && !report["name"].is_string()) c.fail("report.name", "is not a string");

    const json& models = child(report, "models");
    if (report.contains("models") && !models.is_object()) c.fail("report.models", "is not an object");
    for (const std::string& m : model_order(models)) {
        const std::string path = "models." + m;
        const json& e = child(models[m], "if");
        c.range(e, "oracle_mean", path + ".if", 0, 5, false);
        c.pct(e, "exact_pct", path + ".if");
        c.nonneg(e, "mean_len", path + ".if");
        c.pct(e, "finished_pct", path + ".if");
        const json& r = child(models[m], "rm");
        c.pct(r, "pairwise_acc", path + ".rm");
        c.pct(r, "five_best_pct", path + ".rm", /*nullable=*/true);
        c.pct(r, "exact_match_pct", path + ".rm");
        c.range(r, "spearman", path + ".rm", -1, 1, false);
        c.range(r, "kendall_tau", path + ".rm", -1, 1, false);
        c.pct(r, "parse_fail_pct", path + ".rm");
    }

    const json& h2h = child(report, "head_to_head");
    for (const std::string& key : h2h_order(h2h)) {
        const std::string path = "head_to_head." + key;
        const json& h = h2h[key];
        c.pct(h, "win", path);
        c.pct(h, "tie", path);
        c.pct(h, "loss", path);
        const double sum = num(h, "win") + num(h, "tie") + num(h, "loss");
        if (c.ok() && std::isfinite(sum) && std::fabs(sum - 100.0) > 0.5)
            c.fail(path, "win + tie + loss = " + fmt(sum, 2) + ", not 100");
    }

    const json& rounds = child(report, "rounds");
    if (report.contains("rounds") && !rounds.is_array()) c.fail("report.rounds", "is not an array");
    if (rounds.is_array())
        for (size_t i = 0; i < rounds.size(); i++) {
            const json& r = rounds[i];
            const std::string path = "rounds[" + std::to_string(i) + "]";
            if (!r.is_object()) { c.fail(path, "is not an object"); break; }
            for (const char* k : {"round", "prompts_generated", "prompts_kept", "candidates", "judgements", "pairs_kept"})
                c.count(r, k, path);
            if (c.ok() && num(r, "prompts_kept") > num(r, "prompts_generated"))
                c.fail(path + ".prompts_kept", "exceeds prompts_generated");
            if (c.ok() && num(r, "pairs_kept") > num(r, "prompts_kept"))
                c.fail(path + ".pairs_kept", "exceeds prompts_kept (at most one pair per prompt)");
            const json& drops = child(r, "filter_drops");
            if (drops.is_object())
                for (auto it = drops.begin(); it != drops.end(); ++it) c.count(*it, path + ".filter_drops." + it.key());
            const json& hist = child(r, "score_hist");
            if (r.contains("score_hist")) {
                if (!hist.is_array() || hist.size() != 6) c.fail(path + ".score_hist", "is not an array of 6 counts (scores 0..5)");
                else for (size_t k = 0; k < 6; k++) c.count(hist[k], path + ".score_hist[" + std::to_string(k) + "]");
            }
            const bool no_judgements = !(num(r, "judgements") > 0);
            const bool no_pairs = !(num(r, "pairs_kept") > 0);
            const bool no_candidates = !(num(r, "candidates") > 0);
            c.pct(r, "judge_parse_fail_pct", path, no_judgements);
            c.pct(r, "tie_pct", path, true);
            c.pct(r, "pair_oracle_agreement_pct", path, true);
            c.range(r, "mean_self_reward", path, 0, 5, true);
            c.range(r, "mean_oracle_reward", path, 0, 5, true);
            c.range(r, "self_minus_oracle", path, -5, 5, true);
            c.pct(r, "oracle_scorable_pct", path);
            c.nonneg(r, "mean_response_len", path, no_candidates);
            const json& d = child(r, "dpo");
            const std::string dpath = path + ".dpo";
            c.nonneg(d, "loss_first", dpath, no_pairs);
            c.nonneg(d, "loss_last", dpath, no_pairs);
            c.range(d, "accuracies_last", dpath, 0, 1, no_pairs);
            c.finite(d, "margins_last", dpath, no_pairs);
            c.finite(d, "rewards_chosen_last", dpath, no_pairs);
            c.finite(d, "rewards_rejected_last", dpath, no_pairs);
        }

    const json& stages = child(report, "stage_seconds");
    if (stages.is_object())
        for (auto it = stages.begin(); it != stages.end(); ++it) c.nonneg(stages, it.key().c_str(), "stage_seconds");
    return c.error;
}

}  // namespace sr
