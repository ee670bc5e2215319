// The world generator (corpus, seed IFT/EFT, held-out sets), the response corruptor, the
// presets, and the JSONL loaders (see world.h). Deterministic: one splitmix64 stream per
// output file, seeded from --seed, and no container whose order depends on the platform.
#include "data/world.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "data/format.h"
#include "data/lexicon.h"
#include "data/oracle.h"
#include "data/textutil.h"
#include "model/io.h"

namespace sr {
namespace data {

using ojson = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------
// presets

static Preset base_preset(const std::string& name) {
    Preset p;
    p.name = name;
    for (const auto& f : family_names()) p.knobs[f] = Knobs{};
    // default: single-digit arithmetic (sums up to 18), comparisons up to 20, short words
    // and lists; measured char-level models reach ~60% on 3-7 letter reversal, ~2% on
    // two-digit addition, so numbers stay small and words short.
    p.knobs["compare"].num_max = 20;
    p.knobs["sort_numbers"].num_max = 20;
    p.knobs["sort_numbers"].list_min = 3;
    p.knobs["sort_numbers"].list_max = 3;
    p.knobs["count_letter"].word_max = 6;
    return p;
}

static bool file_exists(const std::string& path);
static Preset preset_from_json(const nlohmann::json& j, const std::string& name_or_path);

Preset load_preset(const std::string& name_or_path) {
    Preset p = base_preset(name_or_path);
    if (name_or_path == "default") return p;
    if (name_or_path == "easy") {
        for (auto& kv : p.knobs) {
            Knobs& k = kv.second;
            k.word_min = 3; k.word_max = 4; k.num_max = 5; k.list_min = 3; k.list_max = 3; k.repeat_max = 3;
        }
        p.knobs["compare"].num_max = 9;
        p.knobs["sort_numbers"].num_max = 9;
        // count_items' answer is the list length: with 3-item lists it was always "3" (a
        // model scored without counting), so its lists take 2..5 items
        p.knobs["count_items"].list_min = 2;
        p.knobs["count_items"].list_max = 5;
        return p;
    }
    if (name_or_path == "hard") {
        for (auto& kv : p.knobs) {
            Knobs& k = kv.second;
            k.word_min = 4; k.word_max = 8; k.num_max = 20; k.list_min = 4; k.list_max = 6; k.repeat_max = 6;
        }
        p.knobs["compare"].num_max = 99;
        p.knobs["sort_numbers"].num_max = 50;
        p.knobs["sort_numbers"].list_max = 5;
        return p;
    }
    if (!file_exists(name_or_path))
        throw std::runtime_error("preset '" + name_or_path + "': not a preset name and no such file. "
                                 "HINT: use easy, default, hard, or a JSON file written like `sr world --print-preset`");
    nlohmann::json j;
    try {
        j = read_json_file(name_or_path, 1 << 20);
    } catch (const std::exception& e) {
        throw std::runtime_error("preset file " + std::string(e.what()) + ". HINT: start from the output of `sr world --print-preset`");
    }
    return preset_from_json(j, name_or_path);
}

Preset world_preset(const std::string& dir) {
    const std::string path = (dir.empty() || dir.back() == '/' ? dir : dir + "/") + "manifest.json";
    const nlohmann::json j = read_json_file(path, 1 << 20);
    if (!j.contains("preset") || !j["preset"].is_object()) throw std::runtime_error(path + ": no \"preset\" object");
    return preset_from_json(j["preset"], path);
}

static Preset preset_from_json(const nlohmann::json& j, const std::string& name_or_path) {
    Preset p = base_preset("default");
    try {
        if (!j.is_object()) throw std::runtime_error("must be a JSON object");
        // every number type- and range-checked before it is converted (1e300 is no int)
        auto count = [&](const nlohmann::json& o, const char* key, long def, long hi, const std::string& where) {
            return o.contains(key) ? static_cast<long>(field_int(o, key, where, 0, hi)) : def;
        };
        p.name = j.contains("name") ? field_string(j, "name", name_or_path) : name_or_path;
        p.n_ift = (int)count(j, "n_ift", p.n_ift, 1000000, name_or_path);
        p.n_eft = (int)count(j, "n_eft", p.n_eft, 1000000, name_or_path);
        p.n_heldout_if = (int)count(j, "n_heldout_if", p.n_heldout_if, 1000000, name_or_path);
        p.n_heldout_rm = (int)count(j, "n_heldout_rm", p.n_heldout_rm, 1000000, name_or_path);
        p.n_dev_if = (int)count(j, "n_dev_if", p.n_dev_if, 1000000, name_or_path);
        p.n_dev_rm = (int)count(j, "n_dev_rm", p.n_dev_rm, 1000000, name_or_path);
        p.corpus_bytes = count(j, "corpus_bytes", p.corpus_bytes, 1L << 30, name_or_path);
        if (j.contains("knobs")) {
            for (auto& [fam, kj] : require_field(j, "knobs", JsonType::Object, name_or_path).items()) {
                if (!p.knobs.count(fam)) throw std::runtime_error("unknown family '" + fam + "' in knobs");
                const std::string where = name_or_path + ": knobs." + fam;
                if (!kj.is_object()) throw std::runtime_error(where + " must be an object");
                Knobs& k = p.knobs[fam];
                k.word_min = (int)count(kj, "word_min", k.word_min, 64, where);
                k.word_max = (int)count(kj, "word_max", k.word_max, 64, where);
                k.num_max = (int)count(kj, "num_max", k.num_max, 1000000000, where);
                k.list_min = (int)count(kj, "list_min", k.list_min, 1000, where);
                k.list_max = (int)count(kj, "list_max", k.list_max, 1000, where);
                k.repeat_max = (int)count(kj, "repeat_max", k.repeat_max, 1000, where);
            }
        }
    } catch (const std::exception& e) {
        throw std::runtime_error("preset file " + name_or_path + ": " + e.what() +
                                 ". HINT: start from the output of `sr world --print-preset`");
    }
    for (const auto& [fam, k] : p.knobs)
        if (k.word_min < 2 || k.word_max < k.word_min || k.num_max < 1 || k.list_min < 2 || k.list_max < k.list_min ||
            k.list_max > 10 || k.repeat_max < 2 || k.repeat_max > 20)
            throw std::runtime_error("preset " + name_or_path + ": knobs of " + fam + " out of range. HINT: "
                                     "word_min>=2, word_max>=word_min, num_max>=1, 2<=list_min<=list_max<=10, 2<=repeat_max<=20");
    return p;
}

std::string preset_to_json(const Preset& p) {
    ojson j;
    j["name"] = p.name;
    j["n_ift"] = p.n_ift;
    j["n_eft"] = p.n_eft;
    j["n_heldout_if"] = p.n_heldout_if;
    j["n_heldout_rm"] = p.n_heldout_rm;
    j["n_dev_if"] = p.n_dev_if;
    j["n_dev_rm"] = p.n_dev_rm;
    j["corpus_bytes"] = p.corpus_bytes;
    ojson knobs;
    for (const auto& f : family_names()) {
        const Knobs& k = p.knobs.at(f);
        knobs[f] = {{"word_min", k.word_min}, {"word_max", k.word_max}, {"num_max", k.num_max},
                    {"list_min", k.list_min}, {"list_max", k.list_max}, {"repeat_max", k.repeat_max}};
    }
    j["knobs"] = knobs;
    return j.dump(2) + "\n";
}

// ---------------------------------------------------------------------------------------
// reservation

static const int kReservePercent = 15;

bool is_reserved_instance(const std::string& key) { return fnv1a64("heldout|" + key) % 100 < (uint64_t)kReservePercent; }

// A reserved instance is a dev instance when a second, independent hash puts it in the first
// 40% (so about 6% of the space is dev, 9% test): fixed by the key alone, like the reservation.
static const int kDevPercentOfReserved = 40;

Slice instance_slice(const std::string& key) {
    if (!is_reserved_instance(key)) return Slice::Train;
    return fnv1a64("dev|" + key) % 100 < (uint64_t)kDevPercentOfReserved ? Slice::Dev : Slice::Test;
}

bool overlaps_heldout(const std::string& prompt) {
    auto t = parse_task(prompt);
    return t && is_reserved_instance(instance_key(*t));
}

// ---------------------------------------------------------------------------------------
// sampling task instances

static std::vector<std::string> words_of_length(int lo, int hi) {
    std::vector<std::string> out;
    for (const auto& w : word_list())
        if ((int)w.size() >= lo && (int)w.size() <= hi) out.push_back(w);
    return out;
}

static std::vector<std::string> distinct_words(WorldRng& rng, int n) {
    static const std::vector<std::string> pool = words_of_length(3, 5);
    std::vector<std::string> out;
    while ((int)out.size() < n) {
        const std::string& w = rng.pick(pool);
        if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
    }
    return out;
}

static std::vector<std::string> random_args(const std::string& fam, const Knobs& k, WorldRng& rng) {
    auto word = [&]() { return rng.pick(words_of_length(k.word_min, k.word_max)); };
    auto num = [&](long hi) { return std::to_string(rng.range(0, hi)); };
    if (fam == "reverse" || fam == "sort_letters" || fam == "spell" || fam == "uppercase") return {word()};
    if (fam == "add") return {num(k.num_max), num(k.num_max)};
    if (fam == "subtract") {
        long x = rng.range(0, k.num_max), y = rng.range(0, x);
        return {std::to_string(x), std::to_string(y)};
    }
    if (fam == "compare") {
        long x = rng.range(0, k.num_max), y;
        do { y = rng.range(0, k.num_max); } while (y == x);
        return {std::to_string(x), std::to_string(y)};
    }
    if (fam == "count_letter") {
        std::string w = word();
        // mostly a letter of the word (counts 1..3), sometimes any letter (count 0 possible)
        char c = rng.range(0, 3) ? w[(size_t)rng.range(0, (long)w.size() - 1)] : (char)('a' + rng.range(0, 25));
        return {std::string(1, c), w};
    }
    if (fam == "count_items") return distinct_words(rng, (int)rng.range(k.list_min, k.list_max));
    if (fam == "pick_item") {
        int n = (int)rng.range(k.list_min, k.list_max);
        static const std::vector<std::string> ords = {"first", "second", "third", "fourth", "fifth"};
        std::vector<std::string> valid(ords.begin(), ords.begin() + std::min(n, 5));
        valid.push_back("last");
        std::vector<std::string> args = {rng.pick(valid)};
        for (const auto& w : distinct_words(rng, n)) args.push_back(w);
        return args;
    }
    if (fam == "repeat") return {word(), std::to_string(rng.range(2, k.repeat_max))};
    if (fam == "sort_numbers") {
        int n = (int)rng.range(k.list_min, k.list_max);
        std::vector<std::string> out;
        while ((int)out.size() < n) {
            std::string x = num(k.num_max);
            if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
        }
        return out;
    }
    const auto& table = fam == "colour" ? colour_facts() : fam == "animal_sound" ? sound_facts() : capital_facts();
    return {rng.pick(table).subject};
}

static const char* slice_name(Slice s) { return s == Slice::Train ? "unreserved" : s == Slice::Dev ? "dev" : "test"; }

// A random task of a family whose instance lies in the slice `want`, or nothing after 10000 tries.
static std::optional<Task> try_sample_task(const std::string& fam, const Preset& p, WorldRng& rng, Slice want) {
    for (int tries = 0; tries < 10000; tries++) {
        auto args = random_args(fam, p.knobs.at(fam), rng);
        if (instance_slice(instance_key(fam, args)) != want) continue;
        return make_task(fam, args, (int)rng.range(0, num_phrasings(fam) - 1));
    }
    return std::nullopt;
}

static Task sample_task(const std::string& fam, const Preset& p, WorldRng& rng, Slice want) {
    if (auto t = try_sample_task(fam, p, rng, want)) return *t;
    throw std::runtime_error("world: no " + std::string(slice_name(want)) + " instance of " + fam +
                             " in 10000 tries. HINT: widen the preset's knobs for " + fam);
}

// ---------------------------------------------------------------------------------------
// the response corruptor: many responses of every quality for one task (the oracle scores them)

static std::string spelled(const std::string& w) {
    std::string out;
    for (size_t i = 0; i < w.size(); i++) { if (i) out += '-'; out += w[i]; }
    return out;
}

// one-edit variants of a string: swap neighbours, drop, duplicate, replace a character
static std::vector<std::string> one_edits(const std::string& s, WorldRng& rng) {
    std::vector<std::string> out;
    if (s.size() >= 2) {
        size_t i = (size_t)rng.range(0, (long)s.size() - 2);
        std::string t = s;
        std::swap(t[i], t[i + 1]);
        if (t != s) out.push_back(t);
        t = s; t.erase(i, 1); out.push_back(t);
    }
    if (!s.empty()) {
        size_t i = (size_t)rng.range(0, (long)s.size() - 1);
        std::string t = s; t.insert(i, 1, s[i]); out.push_back(t);
        t = s;
        char base = (s[i] >= 'A' && s[i] <= 'Z') ? 'A' : (s[i] >= '0' && s[i] <= '9') ? '0' : 'a';
        t[i] = (char)(base + (t[i] - base + 1 + rng.range(0, 7)) % (base == '0' ? 10 : 26));
        out.push_back(t);
    }
    return out;
}

// a random word whose instance of fam is not reserved, so that a wrong answer written into the
// corpus never spells out a held-out answer ("CAT" when uppercase:cat is held out)
static std::string pick_usable_word(const std::string& fam, WorldRng& rng) {
    while (true) {
        const std::string& w = rng.pick(word_list());
        if (!is_reserved_instance(instance_key(fam, {w}))) return w;
    }
}

static const std::vector<std::string> kUnrelated = {
    "I like to swim in the summer.", "Hello! How are you today?", "The weather is nice.", "Let us talk about music.",
    "I do not know.", "Sure, here is a poem about the moon.", "Thanks for asking!", "???", "ok", "Bonjour, ça va?",
    "qwzx vbnk plor", "Please ask me something else."};
static const std::vector<std::string> kFillers = {
    "Sure! Here you go:", "Hmm, let me think.", "Well, I believe", "Okay so", "Great question!", "zqx vvk"};
static const std::vector<std::string> kTails = {
    "I hope this helps!", "Let me know if you need more.", "That was fun.", "qzk vvb wxx", "Have a nice day!"};

// Responses for task t: a broad mix of exact, near, wrong, noisy, repeated, off-topic and
// empty answers. `other` is a task of another family (its gold answers "a different task").
static std::vector<std::string> corrupt(const Task& t, const Task& other, WorldRng& rng) {
    const std::string& g = t.answer;
    std::vector<std::string> near, wrong;
    bool numeric = !g.empty() && std::all_of(g.begin(), g.end(), [](char c) { return c >= '0' && c <= '9'; });
    const std::string& fam = t.family;
    if (numeric) {
        long v = std::stol(g);
        near.push_back(std::to_string(v + 1));
        if (v > 0) near.push_back(std::to_string(v - 1));
        wrong.push_back(std::to_string(v + rng.range(2, 9)));
        if (v >= 2) wrong.push_back(std::to_string(rng.range(0, v - 2)));
    } else if (fam == "pick_item") {
        int n = (int)t.args.size() - 1;
        int target = 0;
        for (int i = 0; i < n; i++) if (t.args[1 + (size_t)i] == g) target = i;
        for (int i = 0; i < n; i++) {
            if (i == target) continue;
            (std::abs(i - target) <= 1 ? near : wrong).push_back(t.args[1 + (size_t)i]);
        }
    } else if (fam == "repeat") {
        long k = std::stol(t.args[1]);
        auto rep = [&](const std::string& w, long n, const std::string& sep) {
            return join(std::vector<std::string>((size_t)n, w), sep);
        };
        near.push_back(rep(t.args[0], k + 1, " "));
        near.push_back(rep(t.args[0], k - 1, " "));
        near.push_back(rep(t.args[0], k, ", "));  // right, but the wrong separator
        wrong.push_back(rep(t.args[0], k + rng.range(2, 4), " "));
        wrong.push_back(rep(rng.pick(word_list()), k, " "));
    } else if (fam == "sort_numbers") {
        std::vector<std::string> v = split(g, ", ");
        std::vector<std::string> s = v;
        size_t i = (size_t)rng.range(0, (long)v.size() - 2);
        std::swap(s[i], s[i + 1]);
        near.push_back(join(s, ", "));
        s = v; s.erase(s.begin() + (long)i); near.push_back(join(s, ", "));
        near.push_back(join(v, " "));  // right, but the wrong separator
        std::vector<std::string> rev(v.rbegin(), v.rend());
        wrong.push_back(join(rev, ", "));
        wrong.push_back(join(t.args, ", "));
    } else if (fam == "colour" || fam == "animal_sound" || fam == "capital") {
        const auto& table = fam == "colour" ? colour_facts() : fam == "animal_sound" ? sound_facts() : capital_facts();
        for (int k = 0; k < 3; k++) {
            std::string w = rng.pick(table).value;
            if (w != g) wrong.push_back(w);
        }
        if (fam == "capital") near.push_back(to_lower(g));  // right, but the wrong case
        for (const auto& e : one_edits(g, rng)) near.push_back(e);
    } else if (fam == "spell") {
        for (const auto& e : one_edits(t.args[0], rng)) near.push_back(spelled(e));
        wrong.push_back(spelled(std::string(t.args[0].rbegin(), t.args[0].rend())));
        wrong.push_back(spelled(pick_usable_word("spell", rng)));
    } else {  // reverse, sort_letters, uppercase
        for (const auto& e : one_edits(g, rng)) near.push_back(e);
        std::string sh = g;
        rng.shuffle(sh);
        wrong.push_back(sh);
        std::string w = pick_usable_word(fam == "sort_letters" ? "reverse" : fam, rng);  // its reversal is shown
        wrong.push_back(fam == "uppercase" ? to_upper(w) : fam == "sort_letters" ? std::string(w.rbegin(), w.rend()) : w);
        if (fam == "reverse") { std::string s = t.args[0]; std::sort(s.begin(), s.end()); wrong.push_back(s); }
        if (fam == "sort_letters") wrong.push_back(std::string(t.args[0].rbegin(), t.args[0].rend()));
    }
    std::vector<std::string> out;
    auto mention = [&]() {  // an argument, so the response is about the task
        std::string a = t.args[rng.range(0, (long)t.args.size() - 1)];
        return a.size() >= 2 || numeric ? a : t.args.back();
    };
    // level 5 and 4
    out.push_back(g);
    out.push_back("The answer is " + g + ".");
    out.push_back("Answer: " + g);
    for (const auto& n : near) out.push_back(n);
    if (numeric && std::stol(g) <= 20) out.push_back(number_words()[(size_t)std::stol(g)]);
    // level 3: right or near answer with repetition, noise, a second line, or a cut-off tail
    out.push_back(g + " " + g);
    out.push_back(g + "\n" + g + "\n" + g);
    out.push_back(rng.pick(kFillers) + " " + g);
    out.push_back(g + ". " + rng.pick(kTails));
    out.push_back(rng.pick(kFillers) + "\n" + g);
    if (!near.empty()) out.push_back(rng.pick(near) + " " + rng.pick(near));
    if (!near.empty()) out.push_back(rng.pick(kFillers) + " " + rng.pick(near));
    // level 2: wrong answers of the right kind, bare or dressed
    for (const auto& w : wrong) out.push_back(w);
    if (!wrong.empty()) out.push_back("The answer is " + rng.pick(wrong) + ".");
    if (!wrong.empty()) out.push_back(g + " or " + rng.pick(wrong));
    // level 1: about the task, no answer
    out.push_back("I am not sure about " + mention() + ".");
    out.push_back(mention());
    out.push_back("Let me think about " + mention() + " for a while");
    // level 0: empty, off-topic, or the answer to a different task
    out.push_back("");
    out.push_back(rng.pick(kUnrelated));
    out.push_back(other.answer);
    out.push_back(rng.pick(kUnrelated) + " " + rng.pick(kTails));
    return out;
}

// ---------------------------------------------------------------------------------------
// writing files

static bool file_exists(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

static void write_atomic(const std::string& path, const std::string& content, bool overwrite) {
    if (!overwrite && file_exists(path))
        throw std::runtime_error("world: " + path + " exists. HINT: pass --force to replace it, or --out another folder");
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        if (!out) throw std::runtime_error("world: cannot write " + tmp + ". HINT: does the folder exist and is it writable?");
        out.write(content.data(), (std::streamsize)content.size());
        if (!out) throw std::runtime_error("world: write failed for " + tmp + " (disk full?)");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw std::runtime_error("world: cannot rename " + tmp + " to " + path);
}

static void make_dirs(const std::string& dir) {
    std::string cur;
    for (const auto& part : split(dir, "/")) {
        cur += part + "/";
        if (part.empty() || part == ".") continue;
        mkdir(cur.c_str(), 0755);
    }
    struct stat st;
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::runtime_error("world: cannot create folder " + dir);
}

// ---------------------------------------------------------------------------------------
// the corpus

static std::string letters_with_commas(const std::string& w) {
    std::string out;
    for (size_t i = 0; i < w.size(); i++) { if (i) out += ", "; out += w[i]; }
    return out;
}

// one plain sentence stating the task's answer (no chat markers), chosen among several wordings
static std::string statement(const Task& t, WorldRng& rng, bool can_spell) {
    const auto& a = t.args;
    const std::string& g = t.answer;
    const std::string& f = t.family;
    std::vector<std::string> s;
    if (f == "reverse") {
        s = {a[0] + " backwards is " + g + ".", "If you reverse " + a[0] + " you get " + g + ".",
             "The reverse of " + a[0] + " is " + g + ".", a[0] + " reversed is " + g + ".",
             "Read " + a[0] + " from the end and you get " + g + "."};
        if (can_spell) s.push_back(a[0] + " is spelled " + spelled(a[0]) + ", so backwards it is " + spelled(g) + ", which is " + g + ".");
    } else if (f == "sort_letters") {
        s = {"The letters of " + a[0] + " in alphabetical order are " + g + ".", "Sorting the letters of " + a[0] + " gives " + g + ".",
             a[0] + " with its letters sorted is " + g + "."};
        if (can_spell) s.push_back("The letters of " + a[0] + " are " + spelled(a[0]) + "; from a to z they are " + spelled(g) + ", so " + g + ".");
    } else if (f == "spell") {
        s = {a[0] + " is spelled " + g + ".", "To spell " + a[0] + " with dashes, write " + g + ".",
             "The letters of " + a[0] + " are " + letters_with_commas(a[0]) + ", so it is spelled " + g + "."};
    } else if (f == "uppercase") {
        s = {a[0] + " in capital letters is " + g + ".", "The uppercase form of " + a[0] + " is " + g + ".",
             a[0] + " becomes " + g + " in capitals."};
    } else if (f == "add") {
        s = {a[0] + " plus " + a[1] + " is " + g + ".", a[0] + " + " + a[1] + " = " + g + ".",
             "The sum of " + a[0] + " and " + a[1] + " is " + g + ".", "If you add " + a[0] + " and " + a[1] + " you get " + g + "."};
    } else if (f == "subtract") {
        s = {a[0] + " minus " + a[1] + " is " + g + ".", a[0] + " - " + a[1] + " = " + g + ".",
             "Take " + a[1] + " from " + a[0] + " and " + g + " is left."};
    } else if (f == "compare") {
        std::string other = a[0] == g ? a[1] : a[0];
        s = {g + " is larger than " + other + ".", "Between " + a[0] + " and " + a[1] + ", the larger is " + g + ".",
             other + " is smaller than " + g + "."};
    } else if (f == "count_letter") {
        s = {"The letter " + a[0] + " appears " + g + " times in " + a[1] + ".", "There are " + g + " " + a[0] + "'s in " + a[1] + ".",
             a[1] + " has " + g + " " + a[0] + "'s."};
        if (can_spell) s.push_back(a[1] + " is spelled " + spelled(a[1]) + ", and the letter " + a[0] + " appears " + g + " times.");
    } else if (f == "count_items") {
        std::string L = join(a, ", ");
        s = {"The list " + L + " has " + g + " items.", "There are " + g + " words in " + L + ".", L + ": that is " + g + " items."};
    } else if (f == "pick_item") {
        std::string L = join(std::vector<std::string>(a.begin() + 1, a.end()), ", ");
        s = {"In the list " + L + ", the " + a[0] + " item is " + g + ".", "The " + a[0] + " word of " + L + " is " + g + "."};
    } else if (f == "repeat") {
        s = {a[0] + " said " + a[1] + " times is " + g + ".", "Repeating " + a[0] + " " + a[1] + " times gives " + g + "."};
    } else if (f == "sort_numbers") {
        std::string N = join(a, ", ");
        s = {N + " sorted from smallest to largest is " + g + ".", "In increasing order, " + N + " becomes " + g + "."};
    } else if (f == "colour") {
        s = {"The colour of " + a[0] + " is " + g + ".", "What colour? " + a[0] + ": " + g + "."};
    } else if (f == "animal_sound") {
        s = {"A " + a[0] + " says " + g + ".", "The sound a " + a[0] + " makes is " + g + ".", "A " + a[0] + " goes " + g + "."};
    } else {
        s = {"The capital of " + a[0] + " is " + g + ".", g + " is the capital of " + a[0] + "."};
    }
    return rng.pick(s);
}

// a sentence that evaluates a response, in the words of the five criteria
static std::string evaluation(const Task& t, const std::string& r, const OracleResult& o, WorldRng& rng) {
    static const char* names[5] = {"relevant", "substantial", "useful", "clear", "expert"};
    bool met[5] = {o.relevant, o.substantial, o.useful, o.clear, o.expert};
    std::string shown = r.empty() ? "nothing" : r;
    std::string head = rng.range(0, 1) ? "Asked: " + t.prompt + " Reply: " + shown + "."
                                       : "For the task \"" + t.prompt + "\", the reply was " + shown + ".";
    std::string verdict;
    if (o.score == 5) verdict = rng.range(0, 1) ? " That is correct." : " That is exactly right.";
    else if (o.useful) verdict = " That is close but not exactly right; the answer is " + t.answer + ".";
    else if (o.substantial) verdict = " That is wrong; it should be " + t.answer + ".";
    else verdict = " That does not answer it; the answer is " + t.answer + ".";
    std::string crit;
    int n = o.score;
    if (n == 0) crit = " It meets no criterion, so it earns 0 points.";
    else {
        crit = " It is ";
        for (int i = 0; i < n; i++) crit += std::string(i == 0 ? "" : i == n - 1 ? " and " : ", ") + names[i];
        crit += n < 5 ? std::string(" but not ") + names[n] : std::string("");
        crit += ", so it earns " + std::to_string(n) + " of 5 points.";
    }
    (void)met;
    return head + verdict + crit;
}

static bool usable(const std::string& fam, const std::vector<std::string>& args) {
    return !is_reserved_instance(instance_key(fam, args));
}

static std::string make_corpus(const Preset& p, uint64_t seed) {
    WorldRng rng(seed ^ 0xC0A9B5ULL);
    const auto& fams = family_names();
    std::string out;
    out.reserve((size_t)p.corpus_bytes + 4096);
    auto any_task = [&]() { return sample_task(rng.pick(fams), p, rng, Slice::Train); };
    auto can_spell = [&](const Task& t) {
        const std::string& w = t.family == "count_letter" ? t.args[1] : t.args[0];
        return usable("spell", {w});
    };
    while ((long)out.size() < p.corpus_bytes) {
        long kind = rng.range(0, 99);
        std::vector<std::string> sents;
        int n = (int)rng.range(3, 7);
        if (kind < 40) {  // worked statements
            for (int i = 0; i < n; i++) { Task t = any_task(); sents.push_back(statement(t, rng, can_spell(t))); }
        } else if (kind < 62) {  // the tasks' own phrasings with their answers
            for (int i = 0; i < n; i++) {
                Task t = any_task();
                long form = rng.range(0, 2);
                sents.push_back(form == 0 ? t.prompt + " " + t.answer
                                : form == 1 ? t.prompt + " The answer is " + t.answer + "."
                                            : "Question: " + t.prompt + " Answer: " + t.answer);
            }
        } else if (kind < 84) {  // evaluations of responses of every quality
            for (int i = 0; i < n; i++) {
                Task t = any_task();
                Task other = any_task();
                auto pool = corrupt(t, other, rng);
                std::string r = rng.pick(pool);
                if (!is_printable_ascii(r) || r.size() > 60) r = t.answer;
                sents.push_back(evaluation(t, r, oracle_task(t, r), rng));
            }
        } else if (kind < 90) {  // knowledge base (all subjects: this is the knowledge itself)
            for (int i = 0; i < n; i++) {
                long which = rng.range(0, 2);
                const auto& table = which == 0 ? colour_facts() : which == 1 ? sound_facts() : capital_facts();
                const Fact& fct = rng.pick(table);
                std::string fam = which == 0 ? "colour" : which == 1 ? "animal_sound" : "capital";
                sents.push_back(statement(Task{fam, {fct.subject}, "", fct.value}, rng, false));
            }
        } else if (kind < 95) {  // spellings of words
            for (int i = 0; i < n; i++) {
                const std::string& w = rng.pick(word_list());
                if (!usable("spell", {w}) || !usable("uppercase", {w})) continue;
                long form = rng.range(0, 2);
                sents.push_back(form == 0 ? w + " is spelled " + spelled(w) + "."
                                : form == 1 ? "The letters of " + w + " are " + letters_with_commas(w) + "."
                                            : "In capitals " + w + " is " + to_upper(w) + ".");
            }
        } else {  // task lists, the form of the self-instruct prompt
            std::vector<std::string> prompts;
            for (int i = 0; i < n + 3; i++) prompts.push_back(any_task().prompt);
            std::string doc = self_instruct_prompt(prompts);
            doc += " " + any_task().prompt;
            out += doc + kEndOfTextToken + "\n";
            continue;
        }
        if (sents.empty()) continue;
        // question-and-answer documents keep one pair per line, like a chat turn each
        out += join(sents, kind >= 40 && kind < 62 ? "\n" : " ") + kEndOfTextToken + "\n";
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// seeds and held-out sets

static std::string jsonl(const std::vector<ojson>& rows) {
    std::string out;
    for (const auto& r : rows) out += r.dump() + "\n";
    return out;
}

// n distinct prompts, families in turn (a family whose pool runs dry gives its turn away)
// (the dev slice is small: a family with no dev instance at all at this preset is skipped)
static std::vector<Task> distinct_tasks(const Preset& p, WorldRng& rng, int n, Slice slice) {
    const auto& fams = family_names();
    std::vector<Task> out;
    std::set<std::string> seen, empty;
    for (int i = 0; (int)out.size() < n && i < n * 4; i++) {
        const std::string& fam = fams[(size_t)i % fams.size()];
        if (empty.count(fam)) continue;
        for (int tries = 0; tries < 200; tries++) {
            std::optional<Task> maybe = slice == Slice::Dev ? try_sample_task(fam, p, rng, slice) : sample_task(fam, p, rng, slice);
            if (!maybe) { empty.insert(fam); break; }
            Task t = *maybe;
            if (!seen.insert(t.prompt).second) continue;
            out.push_back(t);
            break;
        }
    }
    return out;
}

std::vector<SampledPrompt> sample_prompts(const Preset& p, Slice slice, int n, uint64_t seed) {
    WorldRng rng(seed ^ 0x5A3B1EULL);
    std::vector<SampledPrompt> out;
    for (const Task& t : distinct_tasks(p, rng, n, slice)) out.push_back({t.prompt, t.family});
    return out;
}

static std::vector<ojson> make_ift(const Preset& p, uint64_t seed) {
    WorldRng rng(seed ^ 0x1F7ULL);
    std::vector<ojson> rows;
    for (const Task& t : distinct_tasks(p, rng, p.n_ift, Slice::Train))
        rows.push_back({{"prompt", t.prompt}, {"response", t.answer}, {"family", t.family}});
    return rows;
}

static std::vector<ojson> make_eft(const Preset& p, uint64_t seed) {
    WorldRng rng(seed ^ 0xEF7ULL);
    const auto& fams = family_names();
    std::vector<ojson> rows;
    for (int i = 0; (int)rows.size() < p.n_eft && i < p.n_eft * 4; i++) {
        int level = i % 6;
        bool done = false;
        for (int tries = 0; tries < 60 && !done; tries++) {
            // round-robin families; move on to the next family when one cannot reach this level
            const std::string& fam = fams[(size_t)(i / 6 + tries) % fams.size()];
            Task t = sample_task(fam, p, rng, Slice::Train);
            Task other = sample_task(fams[(size_t)rng.range(0, (long)fams.size() - 1)], p, rng, Slice::Train);
            auto pool = corrupt(t, other, rng);
            rng.shuffle(pool);
            for (const auto& r : pool) {
                if (r.size() > 80) continue;  // keeps the judge example inside a small context
                OracleResult o = oracle_task(t, r);
                if (o.score != level) continue;
                rows.push_back({{"prompt", t.prompt}, {"response", r}, {"judgement", judgement_text(o)},
                                {"score", o.score}, {"family", t.family}});
                done = true;
                break;
            }
        }
    }
    return rows;
}

// Instruction-following prompts of one reserved slice (test: heldout_if, dev: dev_if).
static std::vector<ojson> make_if_set(const Preset& p, uint64_t seed, Slice slice) {
    WorldRng rng(seed ^ (slice == Slice::Test ? 0x4E1DULL : 0xDE1DULL));
    std::vector<ojson> rows;
    for (const Task& t : distinct_tasks(p, rng, slice == Slice::Test ? p.n_heldout_if : p.n_dev_if, slice))
        rows.push_back({{"prompt", t.prompt}, {"answer", t.answer}, {"family", t.family}});
    return rows;
}

// Reward-modelling items of one reserved slice (test: heldout_rm, dev: dev_rm).
static std::vector<ojson> make_rm_set(const Preset& p, uint64_t seed, Slice slice) {
    WorldRng rng(seed ^ (slice == Slice::Test ? 0x4E2DULL : 0xDE2DULL));
    const auto& fams = family_names();
    const int n = slice == Slice::Test ? p.n_heldout_rm : p.n_dev_rm;
    std::vector<ojson> rows;
    std::set<std::string> seen;
    for (int i = 0; (int)rows.size() < n && i < n * 200; i++) {
        const std::string& fam = fams[(size_t)i % fams.size()];
        const std::optional<Task> maybe = try_sample_task(fam, p, rng, slice);
        if (!maybe) continue;  // no instance of this family in the slice (small dev slices)
        const Task& t = *maybe;
        if (seen.count(t.prompt)) continue;
        Task other = sample_task(fams[(size_t)rng.range(0, (long)fams.size() - 1)], p, rng, Slice::Train);
        auto pool = corrupt(t, other, rng);
        rng.shuffle(pool);
        std::map<int, std::string> by_score;  // one response per distinct score
        for (const auto& r : pool) {
            if (r.size() > 80) continue;
            int s = oracle_task(t, r).score;
            if (!by_score.count(s)) by_score[s] = r;
        }
        if (by_score.size() < 4) continue;
        std::vector<std::pair<int, std::string>> items(by_score.begin(), by_score.end());
        rng.shuffle(items);
        ojson responses = ojson::array(), scores = ojson::array();
        for (const auto& [s, r] : items) { responses.push_back(r); scores.push_back(s); }
        seen.insert(t.prompt);
        rows.push_back({{"prompt", t.prompt}, {"family", t.family}, {"responses", responses}, {"scores", scores}});
    }
    return rows;
}

void generate_world(const Preset& preset, uint64_t seed, const std::string& out_dir, bool overwrite) {
    make_dirs(out_dir);
    std::string dir = out_dir.empty() || out_dir.back() == '/' ? out_dir : out_dir + "/";
    // build everything first, then write: a failure leaves no half world behind
    std::vector<std::pair<std::string, std::string>> files;
    std::string corpus = make_corpus(preset, seed);
    auto ift = make_ift(preset, seed), eft = make_eft(preset, seed);
    auto hif = make_if_set(preset, seed, Slice::Test), hrm = make_rm_set(preset, seed, Slice::Test);
    auto dif = make_if_set(preset, seed, Slice::Dev), drm = make_rm_set(preset, seed, Slice::Dev);
    std::string words = join(word_list(), "\n") + "\n";
    std::string facts = "# family\tsubject\tanswer\n";
    for (const auto& f : colour_facts()) facts += "colour\t" + f.subject + "\t" + f.value + "\n";
    for (const auto& f : sound_facts()) facts += "animal_sound\t" + f.subject + "\t" + f.value + "\n";
    for (const auto& f : capital_facts()) facts += "capital\t" + f.subject + "\t" + f.value + "\n";
    ojson manifest;
    manifest["seed"] = seed;
    manifest["preset"] = nlohmann::ordered_json::parse(preset_to_json(preset));
    manifest["families"] = family_names();
    manifest["counts"] = {{"corpus_bytes", corpus.size()}, {"seed_ift", ift.size()}, {"seed_eft", eft.size()},
                          {"heldout_if", hif.size()}, {"heldout_rm", hrm.size()},
                          {"dev_if", dif.size()},        {"dev_rm", drm.size()}};
    files = {{"corpus.txt", corpus},           {"seed_ift.jsonl", jsonl(ift)},     {"seed_eft.jsonl", jsonl(eft)},
             {"heldout_if.jsonl", jsonl(hif)}, {"heldout_rm.jsonl", jsonl(hrm)},   {"dev_if.jsonl", jsonl(dif)},
             {"dev_rm.jsonl", jsonl(drm)},     {"words.txt", words},
             {"facts.txt", facts},             {"manifest.json", manifest.dump(2) + "\n"}};
    if (!overwrite)
        for (const auto& [name, _] : files)
            if (file_exists(dir + name))
                throw std::runtime_error("world: " + dir + name + " exists. HINT: pass --force to replace the world in " +
                                         out_dir + ", or --out another folder");
    for (const auto& [name, content] : files) write_atomic(dir + name, content, true);
}

// ---------------------------------------------------------------------------------------
// loaders

// The world folder's manifest.json, when the file sits in one: the counts it promises, by the
// file's name without ".jsonl" (seed_ift, heldout_rm, ...), and the families it knows.
static void check_against_manifest(const std::string& path, size_t rows, const std::set<std::string>& families_seen) {
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    const std::string base = path.substr(dir.size());
    const std::string manifest_path = dir + "manifest.json";
    const std::set<std::string> known(family_names().begin(), family_names().end());
    for (const std::string& f : families_seen)
        if (!known.count(f))
            throw std::runtime_error(path + ": unknown family \"" + f + "\" (this world's oracle knows: " + join(family_names(), ", ") +
                                     "). HINT: regenerate the world with `sr world --out DIR`");
    if (!file_exists(manifest_path) || base.size() < 7 || base.substr(base.size() - 6) != ".jsonl") return;
    const nlohmann::json m = read_json_file(manifest_path, 1 << 20);
    if (!m.is_object() || !m.contains("counts")) return;  // a manifest from before the counts
    const nlohmann::json& counts = require_field(m, "counts", JsonType::Object, manifest_path);
    const std::string key = base.substr(0, base.size() - 6);
    if (!counts.contains(key)) return;
    const int64_t want = field_int(counts, key.c_str(), manifest_path + ": counts", 0, INT32_MAX);
    if (static_cast<int64_t>(rows) != want)
        throw std::runtime_error(path + ": " + std::to_string(rows) + " rows but " + manifest_path + " says " + std::to_string(want) +
                                 " (the file is truncated or was edited). HINT: regenerate the world with `sr world --out DIR --force`");
}

template <class Row>
static std::vector<Row> load_jsonl(const std::string& path, Row (*convert)(const nlohmann::json&)) {
    // read_file_checked: a directory or a missing file is an error naming it, never "no rows"
    const std::string text = read_file_checked(path, kMaxTextFileBytes, "generate it with `sr world --out DIR --seed N`");
    std::vector<Row> rows;
    std::set<std::string> families;
    size_t start = 0;
    for (int lineno = 1; start < text.size(); lineno++) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        std::string where = path + ":" + std::to_string(lineno) + ": ";
        if (!is_valid_utf8(line)) throw std::runtime_error(where + "invalid UTF-8. HINT: the file must be UTF-8 text");
        if (trim(line).empty()) throw std::runtime_error(where + "empty line. HINT: one JSON object per line, no blank lines");
        const nlohmann::json j = parse_json_strict(line, path + ":" + std::to_string(lineno));  // duplicate keys rejected too
        if (!j.is_object()) throw std::runtime_error(where + "not a JSON object. HINT: one JSON object per line");
        try {
            rows.push_back(convert(j));
        } catch (const std::exception& e) {
            throw std::runtime_error(where + e.what());
        }
        families.insert(rows.back().family);
    }
    check_against_manifest(path, rows.size(), families);
    return rows;
}

static std::string get_str(const nlohmann::json& j, const char* key) {
    if (!j.contains(key)) throw std::runtime_error(std::string("missing field \"") + key + "\". HINT: see data/README.md for the fields");
    if (!j[key].is_string()) throw std::runtime_error(std::string("field \"") + key + "\" must be a string");
    return j[key].get<std::string>();
}
static int get_score(const nlohmann::json& v, const std::string& what) {
    if (!v.is_number_integer()) throw std::runtime_error(what + " must be an integer");
    long s = v.get<long>();
    if (s < 0 || s > 5) throw std::runtime_error(what + " must be in 0..5, got " + std::to_string(s));
    return (int)s;
}

static IftExample to_ift(const nlohmann::json& j) { return {get_str(j, "prompt"), get_str(j, "response"), get_str(j, "family")}; }
static EftExample to_eft(const nlohmann::json& j) {
    EftExample e;
    e.prompt = get_str(j, "prompt");
    e.response = get_str(j, "response");
    e.judgement = get_str(j, "judgement");
    if (!j.contains("score")) throw std::runtime_error("missing field \"score\". HINT: see data/README.md for the fields");
    e.score = get_score(j["score"], "field \"score\"");
    e.family = get_str(j, "family");
    return e;
}
static HeldoutIf to_hif(const nlohmann::json& j) { return {get_str(j, "prompt"), get_str(j, "answer"), get_str(j, "family")}; }
static HeldoutRm to_hrm(const nlohmann::json& j) {
    HeldoutRm h;
    h.prompt = get_str(j, "prompt");
    h.family = get_str(j, "family");
    for (const char* key : {"responses", "scores"}) {
        if (!j.contains(key)) throw std::runtime_error(std::string("missing field \"") + key + "\". HINT: see data/README.md");
        if (!j[key].is_array()) throw std::runtime_error(std::string("field \"") + key + "\" must be an array");
    }
    for (const auto& r : j["responses"]) {
        if (!r.is_string()) throw std::runtime_error("field \"responses\" must hold strings");
        h.responses.push_back(r.get<std::string>());
    }
    for (const auto& s : j["scores"]) h.scores.push_back(get_score(s, "each of \"scores\""));
    if (h.responses.size() != h.scores.size())
        throw std::runtime_error("\"responses\" and \"scores\" differ in length");
    return h;
}

std::vector<IftExample> load_ift(const std::string& path) { return load_jsonl<IftExample>(path, to_ift); }
std::vector<EftExample> load_eft(const std::string& path) { return load_jsonl<EftExample>(path, to_eft); }
std::vector<HeldoutIf> load_heldout_if(const std::string& path) { return load_jsonl<HeldoutIf>(path, to_hif); }
std::vector<HeldoutRm> load_heldout_rm(const std::string& path) { return load_jsonl<HeldoutRm>(path, to_hrm); }

std::string load_corpus(const std::string& path) {
    std::string text = read_file_checked(path, kMaxTextFileBytes, "generate it with `sr world --out DIR --seed N`");
    if (!is_valid_utf8(text)) {
        // name the first bad line
        size_t start = 0;
        int lineno = 1;
        while (start <= text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            if (!is_valid_utf8(text.substr(start, end - start)))
                throw std::runtime_error(path + ":" + std::to_string(lineno) + ": invalid UTF-8. HINT: the corpus must be UTF-8 text");
            start = end + 1;
            lineno++;
        }
    }
    return text;
}

std::set<std::string> heldout_instance_keys(const std::string& dir) {
    std::set<std::string> keys;
    std::string d = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    for (const auto& h : load_heldout_if(d + "heldout_if.jsonl"))
        if (auto t = parse_task(h.prompt)) keys.insert(instance_key(*t));
    for (const auto& h : load_heldout_rm(d + "heldout_rm.jsonl"))
        if (auto t = parse_task(h.prompt)) keys.insert(instance_key(*t));
    return keys;
}

}  // namespace data
}  // namespace sr
