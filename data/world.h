// The generated world: difficulty presets, the generator of corpus/seed/held-out files,
// the held-out reservation rule, and loaders for the shipped JSONL files.
//
// Files written by generate_world() (all under one folder, default data/world/):
//   corpus.txt         pretraining text, documents each followed by "<|endoftext|>\n"
//   seed_ift.jsonl     {"prompt","response","family"}
//   seed_eft.jsonl     {"prompt","response","judgement","score","family"}
//   heldout_if.jsonl   {"prompt","answer","family"}                    (256 lines by default)
//   heldout_rm.jsonl   {"prompt","family","responses":[...],"scores":[...]}
//   dev_if.jsonl, dev_rm.jsonl   the same formats, from the dev slice (tuning only)
//   words.txt, facts.txt, manifest.json   the vocabulary, the knowledge base, what was made
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sr {
namespace data {

// ---------------------------------------------------------------------------------------
// difficulty

// Knobs of one family; each family reads only the ones that apply to it.
struct Knobs {
    int word_min = 3, word_max = 5;  // word length (reverse, sort_letters, spell, uppercase, count_letter, repeat)
    int num_max = 9;                 // numbers are drawn from 0..num_max (add, subtract, compare, sort_numbers)
    int list_min = 3, list_max = 4;  // list length (count_items, pick_item, sort_numbers)
    int repeat_max = 4;              // repeat k times, k in 2..repeat_max
};

struct Preset {
    std::string name = "default";
    std::map<std::string, Knobs> knobs;  // one entry per family
    int n_ift = 450;                     // seed IFT examples
    int n_eft = 900;                     // seed EFT examples (balanced over scores 0..5)
    int n_heldout_if = 256;              // held-out instruction-following prompts
    int n_heldout_rm = 120;              // held-out reward-modelling prompts
    int n_dev_if = 128;                  // dev instruction-following prompts (for tuning; never the test sets)
    int n_dev_rm = 60;                   // dev reward-modelling prompts
    long corpus_bytes = 3000000;         // corpus size to reach (it stops at the first document past it)
};

// "easy", "default", "hard", or a path to a JSON file in the format of preset_to_json()
// (fields left out keep the default preset's values). Throws with a HINT otherwise.
Preset load_preset(const std::string& name_or_path);
std::string preset_to_json(const Preset& p);  // pretty JSON, the format load_preset reads

// ---------------------------------------------------------------------------------------
// held-out reservation: part of every family's instance space is for held-out sets only

// About 15% of instances, chosen by a hash of the instance key ("reverse:cat"). Seeds and
// corpus never use a reserved instance (knowledge-base statements excepted: see README).
bool is_reserved_instance(const std::string& key);
// True when prompt parses to a reserved instance: the self-instruct stage drops such prompts.
// (An unparsable prompt never overlaps.)
bool overlaps_heldout(const std::string& prompt);

// The reserved slice is split again by a second hash of the key: about 40% of it is *dev*
// (dev_if.jsonl, dev_rm.jsonl: every tuning choice is made on these) and the rest *test*
// (heldout_if.jsonl, heldout_rm.jsonl: read only by the final evaluation). Train is everything
// unreserved: seeds, corpus, and (through overlaps_heldout) the loop's own prompts.
enum class Slice { Train, Dev, Test };
Slice instance_slice(const std::string& key);

// ---------------------------------------------------------------------------------------
// generation

// The preset a world folder was made with (its manifest.json).
Preset world_preset(const std::string& dir);

// n distinct prompts of one slice, the families in turn (a family whose slice runs dry gives
// its turn away), deterministic for a seed: e.g. fresh training prompts for seed data.
struct SampledPrompt { std::string prompt, family; };
std::vector<SampledPrompt> sample_prompts(const Preset& p, Slice slice, int n, uint64_t seed);

// Writes every file under out_dir (created if missing), each atomically (tmp + rename).
// Refuses to replace an existing file unless overwrite is true.
void generate_world(const Preset& preset, uint64_t seed, const std::string& out_dir, bool overwrite);

// ---------------------------------------------------------------------------------------
// loaders: a malformed line throws std::runtime_error naming "file:line" and the problem
// (invalid UTF-8, bad JSON, not an object, missing field, wrong type, bad value).

struct IftExample { std::string prompt, response, family; };
struct EftExample { std::string prompt, response, judgement; int score = 0; std::string family; };
struct HeldoutIf { std::string prompt, answer, family; };
struct HeldoutRm {
    std::string prompt, family;
    std::vector<std::string> responses;
    std::vector<int> scores;  // oracle score of each response, all distinct
};

std::vector<IftExample> load_ift(const std::string& path);
std::vector<EftExample> load_eft(const std::string& path);
std::vector<HeldoutIf> load_heldout_if(const std::string& path);
std::vector<HeldoutRm> load_heldout_rm(const std::string& path);
std::string load_corpus(const std::string& path);  // whole file; must be valid UTF-8

// Instance keys of both held-out files in a world folder (for reports and tests).
std::set<std::string> heldout_instance_keys(const std::string& dir);

}  // namespace data
}  // namespace sr
