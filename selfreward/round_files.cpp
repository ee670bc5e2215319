// selfreward/round_files.cpp: the schema of each round file (see round_files.h).
#include "selfreward/round_files.h"

#include <stdexcept>

#include "model/io.h"

namespace sr {

using json = nlohmann::json;

// A judge's score, an oracle's score: 0..5 (a mean may be fractional).
static void check_score(const json& v, const std::string& what) {
    if (v.is_null()) return;
    const double x = v.get<double>();
    if (!(x >= 0 && x <= 5)) throw std::runtime_error(what + " is " + v.dump() + ", outside 0..5");
}

// {"text": string, "finished": bool, "oracle_score": integer or null}
static void check_candidates(const json& row, const std::string& where) {
    const json& cands = require_field(row, "candidates", JsonType::Array, where);
    for (size_t c = 0; c < cands.size(); c++) {
        const std::string at = where + ": candidates[" + std::to_string(c) + "]";
        require_element(cands, c, JsonType::Object, where + ": candidates");
        require_field(cands[c], "text", JsonType::String, at);
        check_score(require_field(cands[c], "oracle_score", JsonType::IntegerOrNull, at), at + ".oracle_score");
    }
}

void check_round_row(const std::string& kind, const json& row, const std::string& where) {
    if (!row.is_object()) throw std::runtime_error(where + ": not a JSON object");
    require_field(row, "prompt", JsonType::String, where);
    if (kind == "prompts") {
        require_field(row, "kept", JsonType::Bool, where);
        require_field(row, "reason", JsonType::String, where);
    } else if (kind == "candidates") {
        check_candidates(row, where);
    } else if (kind == "judgements") {
        check_candidates(row, where);
        const json& judged = require_field(row, "judged", JsonType::Array, where);
        if (judged.size() != row["candidates"].size())
            throw std::runtime_error(where + ": \"judged\" has " + std::to_string(judged.size()) + " entries for " +
                                     std::to_string(row["candidates"].size()) + " candidates (one per candidate)");
        for (size_t c = 0; c < judged.size(); c++) {
            const std::string at = where + ": judged[" + std::to_string(c) + "]";
            require_element(judged, c, JsonType::Object, where + ": judged");
            check_score(require_field(judged[c], "mean", JsonType::NumberOrNull, at), at + ".mean");
            const json& scores = require_field(judged[c], "scores", JsonType::Array, at);
            for (size_t k = 0; k < scores.size(); k++)
                check_score(require_element(scores, k, JsonType::IntegerOrNull, at + ".scores"), at + ".scores[" + std::to_string(k) + "]");
        }
    } else if (kind == "pairs" || kind == "pairs_oracle") {
        require_field(row, "chosen", JsonType::String, where);
        require_field(row, "rejected", JsonType::String, where);
        if (kind == "pairs")  // the oracle's scores of the two sides, recorded to measure the judge
            for (const char* f : {"chosen_oracle", "rejected_oracle"}) check_score(require_field(row, f, JsonType::NumberOrNull, where), where + ": " + f);
    } else {
        throw std::runtime_error(where + ": not a round file (prompts, candidates, judgements, pairs or pairs_oracle .jsonl)");
    }
}

std::vector<json> read_round_jsonl(const std::string& path) {
    const size_t slash = path.rfind('/');
    std::string kind = path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (kind.size() > 6 && kind.compare(kind.size() - 6, 6, ".jsonl") == 0) kind.resize(kind.size() - 6);
    std::vector<json> rows;
    for (JsonlRow& r : read_jsonl_rows(path)) {
        check_round_row(kind, r.value, r.where);
        rows.push_back(std::move(r.value));
    }
    return rows;
}

// ---------------------------------------------------------------------------------------------

static void numbers_or_null(const json& obj, const std::vector<const char*>& fields, const std::string& where) {
    for (const char* f : fields) require_field(obj, f, JsonType::NumberOrNull, where);
}

json read_eval_cache(const std::string& path) {
    const json e = read_json_file(path);
    try {
        if (!e.is_object()) throw std::runtime_error(path + ": not a JSON object");
        numbers_or_null(require_field(e, "if", JsonType::Object, path), {"oracle_mean", "exact_pct", "mean_len", "finished_pct"}, path + ": if");
        numbers_or_null(require_field(e, "rm", JsonType::Object, path),
                        {"pairwise_acc", "five_best_pct", "exact_match_pct", "spearman", "kendall_tau", "parse_fail_pct"}, path + ": rm");
        numbers_or_null(require_field(e, "dev_if", JsonType::Object, path), {"oracle_mean", "exact_pct", "prompts"}, path + ": dev_if");
        for (const char* f : {"if_scores", "dev_if_scores"}) {
            const json& a = require_field(e, f, JsonType::Array, path);
            for (size_t i = 0; i < a.size(); i++) require_element(a, i, JsonType::Number, path + ": " + f);
        }
    } catch (const std::runtime_error& err) {
        throw std::runtime_error(std::string(err.what()) + ". HINT: delete " + path + " to evaluate the model again");
    }
    return e;
}

json read_gap_cache(const std::string& path) {
    const json g = read_json_file(path);
    try {
        if (!g.is_array() || g.empty()) throw std::runtime_error(path + ": must be a non-empty JSON array of rows");
        for (size_t i = 0; i < g.size(); i++) {
            const std::string at = path + "[" + std::to_string(i) + "]";
            require_element(g, i, JsonType::Object, path);
            require_field(g[i], "family", JsonType::String, at);
            numbers_or_null(g[i], {"prompts", "mean", "greedy", "judge_pick", "oracle_best", "mean_exact", "greedy_exact", "pick_exact", "best_exact",
                                   "gap", "gap_lo", "gap_hi", "judge_pairs", "judge_acc", "judge_tie_pct", "identical_pct"},
                            at);
        }
    } catch (const std::runtime_error& err) {
        throw std::runtime_error(std::string(err.what()) + ". HINT: delete " + path + " to measure the gap again");
    }
    return g;
}

}  // namespace sr
