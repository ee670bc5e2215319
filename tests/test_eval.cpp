// tests/test_eval.cpp: held-out evaluation (selfreward/eval.h) and the run report
// (selfreward/report.h): the eval functions on an untrained micro model give finite, in-range
// numbers; the scoring halves on hand-made answers give hand-computed numbers; the report
// renders the paper's rows and NaN as n/a, writes well-formed files, and validate_report
// catches out-of-range values.
#include "tests/catch.hpp"
#include "tests/xml_check.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "data/world.h"
#include "model/gpt.h"
#include "selfreward/eval.h"
#include "selfreward/report.h"

#ifdef SR_CATCH3
using Catch::Approx;
#endif

using namespace sr;
using nlohmann::json;

namespace {

const double NaN = std::numeric_limits<double>::quiet_NaN();

LM micro_lm(uint64_t seed) {  // untrained: byte tokenizer (no merges) + the 4 specials, micro GPT
    LM lm;
    lm.tok.train("", 260, {"<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"});
    GPTConfig c = preset_config("micro");
    c.vocab_size = lm.tok.vocab_size();
    lm.model = GPT(c, seed);
    return lm;
}

template <class T>
std::vector<T> first(std::vector<T> v, size_t n) {
    if (v.size() > n) v.resize(n);
    return v;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

bool file_exists(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

// A complete, valid report by hand: every section, one NaN where NaN is documented (M2 5-best).
json sample_report() {
    json r;
    r["name"] = "test-run";
    r["preset"] = "quick";
    r["seed"] = 7;
    r["seconds"] = 61.5;
    r["models"]["SFT"] = {{"if", {{"oracle_mean", 2.25}, {"exact_pct", 12.5}, {"mean_len", 6.1}}},
                          {"rm", {{"pairwise_acc", 55.0}, {"five_best_pct", 40.0}, {"exact_match_pct", 5.0},
                                  {"spearman", 0.21}, {"kendall_tau", 0.18}, {"parse_fail_pct", 3.0}}}};
    r["models"]["M1"] = {{"if", {{"oracle_mean", 3.0}, {"exact_pct", 25.0}, {"mean_len", 7.0}}},
                         {"rm", {{"pairwise_acc", 61.25}, {"five_best_pct", 50.0}, {"exact_match_pct", 10.0},
                                 {"spearman", 0.4}, {"kendall_tau", 0.35}, {"parse_fail_pct", 1.0}}}};
    r["models"]["M2"] = {{"if", {{"oracle_mean", 3.5}, {"exact_pct", 30.0}, {"mean_len", 9.0}}},
                         {"rm", {{"pairwise_acc", 63.0}, {"five_best_pct", NaN}, {"exact_match_pct", 11.0},
                                 {"spearman", 0.45}, {"kendall_tau", 0.4}, {"parse_fail_pct", 0.5}}}};
    r["models"]["M2_posonly"] = {{"if", {{"oracle_mean", 3.1}, {"exact_pct", 26.0}, {"mean_len", 7.5}}}};
    r["head_to_head"]["M2_vs_M1"] = {{"win", 40.0}, {"tie", 45.0}, {"loss", 15.0}};
    r["head_to_head"]["M1_vs_SFT"] = {{"win", 33.0}, {"tie", 40.0}, {"loss", 27.0}};
    r["head_to_head"]["M2_posonly_vs_M1"] = {{"win", 20.0}, {"tie", 60.0}, {"loss", 20.0}};
    r["rounds"] = json::array({json{{"round", 1}, {"model_in", "M1"}, {"model_out", "M2"},
                                    {"prompts_generated", 100}, {"prompts_kept", 60},
                                    {"filter_drops", {{"rouge", 30}, {"too_short", 10}}},
                                    {"candidates", 240}, {"judgements", 720}, {"judge_parse_fail_pct", 2.5},
                                    {"score_hist", {1, 2, 30, 80, 100, 27}}, {"tie_pct", 20.0}, {"pairs_kept", 48},
                                    {"pair_oracle_agreement_pct", 70.8}, {"mean_self_reward", 3.4},
                                    {"mean_oracle_reward", 3.0}, {"mean_response_len", 8.2},
                                    {"dpo", {{"loss_first", 0.693147}, {"loss_last", 0.41}, {"accuracies_last", 0.8},
                                             {"margins_last", 1.2}, {"rewards_chosen_last", -0.3},
                                             {"rewards_rejected_last", -1.5}}}}});
    r["stage_seconds"] = {{"pretrain", 30.0}, {"sft", 10.0}, {"round1", 21.5}};
    return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// eval on an untrained model

TEST_CASE("eval: instruction following on an untrained micro model is finite, in range, deterministic", "[eval]") {
    const LM lm = micro_lm(3);
    const auto prompts = first(data::load_heldout_if("data/world/heldout_if.jsonl"), 5);
    REQUIRE(prompts.size() == 5);
    const IfEval e = eval_instruction_following(lm, prompts, 8);
    REQUIRE(e.scores.size() == 5);
    REQUIRE(e.responses.size() == 5);
    for (double s : e.scores) REQUIRE((s >= 0 && s <= 5));
    REQUIRE(std::isfinite(e.oracle_mean));
    REQUIRE((e.oracle_mean >= 0 && e.oracle_mean <= 5));
    REQUIRE((e.exact_pct >= 0 && e.exact_pct <= 100));
    REQUIRE((e.finished_pct >= 0 && e.finished_pct <= 100));
    REQUIRE(e.mean_len == Approx(mean_response_chars(e.responses)));
    REQUIRE(e.mean_len >= 0);
    // Greedy: the same answers again.
    const IfEval again = eval_instruction_following(lm, prompts, 8);
    REQUIRE(again.responses == e.responses);
    REQUIRE(again.scores == e.scores);
}

TEST_CASE("eval: reward modelling with an untrained judge: nothing parses, metrics stay defined", "[eval]") {
    const LM lm = micro_lm(4);
    const auto items = first(data::load_heldout_rm("data/world/heldout_rm.jsonl"), 5);
    REQUIRE(items.size() == 5);
    long responses = 0;
    for (const auto& it : items) responses += static_cast<long>(it.responses.size());

    for (int samples : {1, 2}) {
        const RmEval e = eval_reward_modelling(lm, items, samples, 11, 12);
        REQUIRE(e.judge_scores.size() == items.size());
        for (size_t k = 0; k < items.size(); k++) REQUIRE(e.judge_scores[k].size() == items[k].responses.size());
        // A 16-token context with random weights never writes "Score: k": every judgement fails,
        // every response is missing, and the metrics follow metrics.h's rules for that.
        REQUIRE(e.parse_fail_pct == Approx(100.0));
        REQUIRE(e.metrics.n_missing == responses);
        REQUIRE(e.metrics.n_prompts == 5);
        REQUIRE(e.metrics.pairwise_acc_pct == Approx(0.0));
        REQUIRE(e.metrics.exact_match_pct == Approx(0.0));
        REQUIRE(e.metrics.spearman == Approx(0.0));
        REQUIRE(e.metrics.kendall_tau == Approx(0.0));
        REQUIRE(std::isnan(e.metrics.five_best_pct));  // nothing judged 5
        // ... and such a result passes the report's range check (5-best NaN is documented).
        json report;
        report["models"]["M0"]["rm"] = rm_json(e);
        REQUIRE(validate_report(report) == "");
    }
    REQUIRE_THROWS(eval_reward_modelling(lm, items, 0));
}

// ---------------------------------------------------------------------------------------
// the scoring halves, by hand

TEST_CASE("eval: scoring instruction following by hand (gold, cut-off gold, unknown prompt)", "[eval]") {
    const auto prompts = first(data::load_heldout_if("data/world/heldout_if.jsonl"), 4);
    std::vector<Response> gold, cut;
    for (const auto& p : prompts) {
        gold.push_back({p.answer, true, 3});
        cut.push_back({p.answer, false, 3});
    }
    gold[3] = {"", true, 1};  // the empty answer engages nothing
    const IfEval e = score_instruction_following(prompts, gold);
    // Element by element: g++ 12.2 with -mavx512f (-march=native here) miscompiles the
    // constant std::vector<double>{5, 5, 5, 0} into {5, 5, 5, 5}.
    REQUIRE(e.scores.size() == 4);
    for (int i = 0; i < 3; i++) REQUIRE(e.scores[i] == 5);
    REQUIRE(e.scores[3] == 0);
    REQUIRE(e.oracle_mean == Approx(15.0 / 4));
    REQUIRE(e.exact_pct == Approx(75.0));
    REQUIRE(e.finished_pct == Approx(100.0));
    // Cut off before <|end|>: never "clear", so never exact.
    const IfEval c = score_instruction_following(prompts, cut);
    REQUIRE(c.exact_pct == Approx(0.0));
    REQUIRE(c.finished_pct == Approx(0.0));
    for (double s : c.scores) REQUIRE(s == 3);

    REQUIRE_THROWS(score_instruction_following(prompts, first(gold, 3)));
    std::vector<data::HeldoutIf> bad = {{"What is the meaning of life?", "42", "none"}};
    REQUIRE_THROWS(score_instruction_following(bad, {{"42", true, 2}}));
    REQUIRE(std::isnan(score_instruction_following({}, {}).oracle_mean));
}

TEST_CASE("eval: scoring reward modelling by hand (averages, dropped failures, missing)", "[eval]") {
    using J = std::optional<int>;
    std::vector<data::HeldoutRm> items(2);
    items[0] = {"p0", "x", {"a", "b", "c"}, {1, 3, 5}};
    items[1] = {"p1", "x", {"d", "e"}, {0, 2}};
    // item 0: judge {1 (one failure dropped, never 0), 3.5, missing}; item 1: judge {5, 0.5}
    const std::vector<std::vector<std::vector<J>>> judgements = {
        {{J(1), std::nullopt}, {J(3), J(4)}, {std::nullopt, std::nullopt}},
        {{J(5), J(5)}, {J(0), J(1)}}};
    const RmEval e = score_reward_modelling(items, judgements);
    REQUIRE(e.judge_scores[0][0] == Approx(1.0));
    REQUIRE(e.judge_scores[0][1] == Approx(3.5));
    REQUIRE(std::isnan(e.judge_scores[0][2]));
    REQUIRE(e.judge_scores[1][1] == Approx(0.5));
    REQUIRE(e.parse_fail_pct == Approx(30.0));  // 3 of 10 judgements
    // pairs: item0 (a,b) right, (a,c) missing, (b,c) missing; item1 (d,e) reversed -> 1 of 4
    REQUIRE(e.metrics.pairwise_acc_pct == Approx(25.0));
    REQUIRE(e.metrics.exact_match_pct == Approx(0.0));
    REQUIRE(e.metrics.five_best_pct == Approx(0.0));  // d judged 5, truly the worst
    REQUIRE(e.metrics.spearman == Approx(0.0));       // +1 (item 0, two present) and -1 (item 1)
    REQUIRE(e.metrics.n_missing == 1);
    REQUIRE_THROWS(score_reward_modelling(items, {judgements[0]}));

    REQUIRE(mean_response_chars({"ab", "abcd"}) == Approx(3.0));
    REQUIRE(std::isnan(mean_response_chars({})));
}

// ---------------------------------------------------------------------------------------
// report

TEST_CASE("report: Markdown has our tables, the paper's rows, the tie rule and n/a for NaN", "[eval][report]") {
    const std::string md = report_markdown(sample_report(), {"losses.svg", "rounds.svg"});
    // (a) instruction following, with the ablation after the main models
    REQUIRE(md.find("| M1 | 3.00 | 25.0 | 7.0 |") != std::string::npos);
    REQUIRE(md.find("| M2_posonly | 3.10 |") > md.find("| M2 | 3.50 |"));
    // (b) head-to-head beside the paper
    REQUIRE(md.find("| M2 vs M1 | 40.0 | 45.0 | 15.0 | 55.5 | 11.7 |") != std::string::npos);
    REQUIRE(md.find("| M1 vs SFT | 33.0 | 40.0 | 27.0 | 30.5 | 30.9 |") != std::string::npos);
    REQUIRE(md.find("| M2_posonly vs M1 | 20.0 | 60.0 | 20.0 |  |  |") != std::string::npos);
    REQUIRE(md.find("M3 vs M2") == std::string::npos);  // not in the report: skipped
    // (c) reward modelling beside the paper's rows; NaN -> n/a
    REQUIRE(md.find("*SFT baseline (paper)* | 65.1 | 39.6 | 10.1 | 0.253 | 0.233 |") != std::string::npos);
    REQUIRE(md.find("*M1 (paper)* | 78.7 | 41.5 | 13.1 | 0.279 | 0.253 |") != std::string::npos);
    REQUIRE(md.find("*M2 (paper)* | 80.4 | 44.3 | 14.3 | 0.331 | 0.315 |") != std::string::npos);
    REQUIRE(md.find("M3 (paper)") == std::string::npos);
    REQUIRE(md.find("| M2 (ours) | 63.0 | n/a | 11.0 | 0.450 | 0.400 | 0.5 |") != std::string::npos);
    REQUIRE(md.find("Tie rule") != std::string::npos);
    REQUIRE(md.find("judge tie or a missing") != std::string::npos);
    // (d) loop health
    REQUIRE(md.find("| 1 | M1 -> M2 | 60 / 100 | 240 | 720 | 2.5 | 20.0 | 48 | 70.8 | 3.40 | 3.00 | 0.40 | 8.2 |") !=
            std::string::npos);
    REQUIRE(md.find("1 2 30 80 100 27") != std::string::npos);
    REQUIRE(md.find("rouge 30, too_short 10") != std::string::npos);
    REQUIRE(md.find("0.6931 -> 0.4100") != std::string::npos);
    // plots and stage times
    REQUIRE(md.find("![losses](losses.svg)") != std::string::npos);
    REQUIRE(md.find("![rounds](rounds.svg)") != std::string::npos);
    REQUIRE(md.find("| pretrain | 30.0 |") != std::string::npos);
    // Mk models by number (M10 after M4), ablations after them; the loop's own gap wins over self - oracle
    json more = sample_report();
    more["models"]["M10"]["if"] = {{"oracle_mean", 4.0}, {"exact_pct", 50.0}, {"mean_len", 5.0}};
    more["models"]["M4"]["if"] = {{"oracle_mean", 3.9}, {"exact_pct", 45.0}, {"mean_len", 5.0}};
    more["rounds"][0]["self_minus_oracle"] = 0.25;
    const std::string md2 = report_markdown(more, {});
    REQUIRE(md2.find("| M2 | 3.50 |") < md2.find("| M4 | 3.90 |"));
    REQUIRE(md2.find("| M4 | 3.90 |") < md2.find("| M10 | 4.00 |"));
    REQUIRE(md2.find("| M10 | 4.00 |") < md2.find("| M2_posonly | 3.10 |"));
    REQUIRE(md2.find("| 3.40 | 3.00 | 0.25 |") != std::string::npos);
    REQUIRE(validate_report(more) == "");
    more["rounds"][0]["self_minus_oracle"] = 5.5;
    REQUIRE(validate_report(more).find("self_minus_oracle") != std::string::npos);
    // an empty report renders without tables and without throwing
    const std::string empty = report_markdown(json::object(), {});
    REQUIRE(empty.find("| ") == std::string::npos);

    const std::string term = report_terminal_tables(sample_report());
    REQUIRE(term.find("M2_posonly") != std::string::npos);
    REQUIRE(term.find("78.7") != std::string::npos);     // paper row under M1
    REQUIRE(term.find("55.5/11.7") != std::string::npos);
    REQUIRE(term.find("n/a") != std::string::npos);
}

TEST_CASE("report: write_report writes json, md and four well-formed SVGs; losses per stage", "[eval][report]") {
    char tmpl[] = "/tmp/sr_eval_test_XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    const std::string dir = tmpl;
    const std::string metrics = dir + "/metrics.jsonl";
    {
        std::ofstream f(metrics);
        for (int s = 0; s < 1000; s++) f << json{{"stage", "pretrain"}, {"step", s}, {"loss", 5.0 - s * 0.003}}.dump() << "\n";
        f << "not json at all\n";
        f << json{{"stage", "sft"}, {"step", 0}, {"loss", 2.0}}.dump() << "\n";
        f << json{{"stage", "sft"}, {"step", 1}, {"loss", nullptr}}.dump() << "\n";  // skipped
        f << json{{"stage", "dpo_round1"}, {"step", 0}, {"loss", 0.6931}, {"accuracies", 0}}.dump() << "\n";
        f << json{{"stage", "dpo_round1"}, {"step", 1}, {"loss", 0.6}}.dump() << "\n";
        f << "{\"stage\": \"sft\", \"st";  // a torn last line
    }
    const auto series = loss_series_from_jsonl(metrics);
    REQUIRE(series.size() == 3);
    REQUIRE(series[0].name == "pretrain");
    REQUIRE(series[0].points.size() == 400);  // 1000 averaged down
    REQUIRE(series[0].points.front().second == Approx(5.0 - 0.003 * 0.5).epsilon(1e-6));  // bucket 0 = steps 0, 1
    REQUIRE(series[1].name == "sft");
    REQUIRE(series[1].points.size() == 1);
    REQUIRE(series[2].points.size() == 2);
    REQUIRE(loss_series_from_jsonl(dir + "/no_such_file.jsonl").empty());

    write_report(dir, sample_report(), metrics);
    for (const char* svg : {"losses.svg", "if_scores.svg", "judge_accuracy.svg", "rounds.svg"}) {
        const std::string text = read_file(dir + "/" + svg);
        INFO(svg);
        REQUIRE(text.find("<svg") != std::string::npos);
        REQUIRE(xml_problem(text) == "");
        REQUIRE(!file_exists(dir + "/" + svg + ".tmp"));
    }
    REQUIRE(read_file(dir + "/losses.svg").find("dpo_round1") != std::string::npos);
    REQUIRE(read_file(dir + "/if_scores.svg").find("M2_posonly") != std::string::npos);
    const json back = json::parse(read_file(dir + "/report.json"));
    REQUIRE(back["name"] == "test-run");
    REQUIRE(back["models"]["M2"]["rm"]["five_best_pct"].is_null());  // NaN is written as null
    REQUIRE(validate_report(back) == "");                             // ... and null passes where NaN may
    const std::string md = read_file(dir + "/report.md");
    for (const char* svg : {"losses.svg", "if_scores.svg", "judge_accuracy.svg", "rounds.svg"})
        REQUIRE(md.find(std::string("](") + svg + ")") != std::string::npos);
    REQUIRE(md == report_markdown(sample_report(), {"losses.svg", "if_scores.svg", "judge_accuracy.svg", "rounds.svg"}));

    // A missing metrics file is not an error: an empty loss chart.
    write_report(dir, json::object(), dir + "/absent.jsonl");
    REQUIRE(xml_problem(read_file(dir + "/losses.svg")) == "");
    REQUIRE_THROWS(write_report(dir + "/no/such/dir", sample_report(), metrics));
    std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE("report: validate_report accepts a good report and names the first bad field", "[eval][report]") {
    REQUIRE(validate_report(sample_report()) == "");
    REQUIRE(validate_report(json::object()) == "");
    REQUIRE(validate_report(json::array()) != "");

    auto bad = [](const std::function<void(json&)>& edit) {
        json r = sample_report();
        edit(r);
        return validate_report(r);
    };
    std::string msg = bad([](json& r) { r["models"]["M1"]["rm"]["spearman"] = 1.5; });
    REQUIRE(msg.find("models.M1.rm.spearman") != std::string::npos);
    msg = bad([](json& r) { r["models"]["SFT"]["if"]["exact_pct"] = 120.0; });
    REQUIRE(msg.find("models.SFT.if.exact_pct") != std::string::npos);
    REQUIRE(bad([](json& r) { r["models"]["M1"]["if"]["oracle_mean"] = 5.5; }).find("oracle_mean") != std::string::npos);
    REQUIRE(bad([](json& r) { r["models"]["M1"]["if"]["oracle_mean"] = -0.1; }) != "");
    REQUIRE(bad([](json& r) { r["models"]["M1"]["rm"]["kendall_tau"] = -1.01; }).find("kendall_tau") != std::string::npos);
    // NaN where it is not documented
    REQUIRE(bad([](json& r) { r["models"]["M1"]["rm"]["pairwise_acc"] = NaN; }).find("pairwise_acc") != std::string::npos);
    REQUIRE(bad([](json& r) { r["models"]["M1"]["if"]["mean_len"] = nullptr; }).find("mean_len") != std::string::npos);
    REQUIRE(bad([](json& r) { r["models"]["M1"]["rm"]["pairwise_acc"] = "high"; }).find("not a number") != std::string::npos);
    // head-to-head must sum to 100
    REQUIRE(bad([](json& r) { r["head_to_head"]["M2_vs_M1"]["tie"] = 30.0; }).find("head_to_head.M2_vs_M1") != std::string::npos);
    // rounds: counts, histogram, consistency, DPO NaN only without pairs
    REQUIRE(bad([](json& r) { r["rounds"][0]["pairs_kept"] = -1; }).find("rounds[0].pairs_kept") != std::string::npos);
    REQUIRE(bad([](json& r) { r["rounds"][0]["candidates"] = 2.5; }).find("rounds[0].candidates") != std::string::npos);
    REQUIRE(bad([](json& r) { r["rounds"][0]["prompts_kept"] = 101; }).find("prompts_kept") != std::string::npos);
    REQUIRE(bad([](json& r) { r["rounds"][0]["score_hist"] = {1, 2, 3}; }).find("score_hist") != std::string::npos);
    REQUIRE(bad([](json& r) { r["rounds"][0]["filter_drops"]["rouge"] = -3; }).find("filter_drops.rouge") != std::string::npos);
    REQUIRE(bad([](json& r) { r["rounds"][0]["pair_oracle_agreement_pct"] = 100.5; }) != "");
    REQUIRE(bad([](json& r) { r["rounds"][0]["dpo"]["loss_last"] = NaN; }).find("rounds[0].dpo.loss_last") != std::string::npos);
    REQUIRE(bad([](json& r) { r["rounds"][0]["dpo"]["accuracies_last"] = 80.0; }).find("accuracies_last") != std::string::npos);
    REQUIRE(bad([](json& r) { r["stage_seconds"]["sft"] = -1.0; }).find("stage_seconds.sft") != std::string::npos);
    REQUIRE(bad([](json& r) { r["seconds"] = NaN; }) != "");
    // ... but a round without pairs may have no DPO numbers and no agreement
    REQUIRE(bad([](json& r) {
                r["rounds"][0]["pairs_kept"] = 0;
                r["rounds"][0]["pair_oracle_agreement_pct"] = NaN;
                r["rounds"][0]["mean_self_reward"] = nullptr;
                for (auto& v : r["rounds"][0]["dpo"]) v = NaN;
            }) == "");
}
