// selfreward/round_files.h: reading a round's JSONL files back, every row checked.
//
// A round folder holds prompts.jsonl, candidates.jsonl, judgements.jsonl, pairs.jsonl and
// pairs_oracle.jsonl (see Run in loop.h for what writes them). Before the loop reads a field of
// a row, read_round_jsonl checks that every field the loop uses is there with the right type and
// that the arrays agree in length (a judgements row has one "judged" entry per candidate), so
// a hand-edited or damaged file is an error like
//   runs/x/round1/judgements.jsonl:3: missing field "judged"
// and never an assertion or a read past an array.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sr {

// The schema is chosen by the file's name (prompts, candidates, judgements, pairs,
// pairs_oracle); another name is an error. Throws std::runtime_error naming file:line.
std::vector<nlohmann::json> read_round_jsonl(const std::string& path);

// The check of one row (where = "file:line"); exposed for the tests.
void check_round_row(const std::string& kind, const nlohmann::json& row, const std::string& where);

// A run's evaluation caches, eval/<model>.json and eval/<model>_gap.json: read back and checked
// like the round files (a damaged cache is an error naming it, with the HINT to delete it).
nlohmann::json read_eval_cache(const std::string& path);
nlohmann::json read_gap_cache(const std::string& path);

}  // namespace sr
