// Task families (phrasings, argument checks, gold answers) and the oracle (see oracle.h).
//
// A phrasing is a template with typed slots, e.g. "What is {n0} plus {n1}?": the letter is
// the slot type, the digit the index of the argument it fills. Slot types:
//   w word [a-z]+          c one letter [a-z]        n number (digits, no leading zero)
//   k number word (two..)  o ordinal (first..last)   S knowledge-base subject [a-z]+
//   C capitalised name     L word list "a, b, c"     N number list "1, 2, 3"
// A list slot fills its argument and all after it. parse_task() matches every template
// (with backtracking for the list slots) and keeps the first that validates.
#include "data/oracle.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "data/lexicon.h"
#include "data/textutil.h"

namespace sr {
namespace data {

// ---------------------------------------------------------------------------------------
// answer kinds: how candidates are found in a response and when one is "close"

enum class Kind {
    Number,      // digits; close = off by at most 1
    Anagram,     // reverse / sort_letters: lowercase near-anagrams of the input word
    Spelled,     // c-a-t
    Upper,       // CAT
    Item,        // one of the list's items; close = at most one position away
    Repeat,      // runs of one repeated word
    NumberList,  // "2, 5, 9"
    Colour, Sound, Capital,  // a value of the knowledge base table
};

struct FamilyDef {
    std::string name;
    Kind kind;
    std::vector<std::string> phrasings;
};

static const std::vector<std::string> kOrdinals = {"first", "second", "third", "fourth", "fifth", "last"};

static const std::vector<FamilyDef>& families() {
    static const std::vector<FamilyDef> defs = {
        {"reverse", Kind::Anagram,
         {"Reverse the word {w0}.", "Write {w0} backwards.", "What is {w0} spelled backwards?",
          "Spell the word {w0} in reverse order."}},
        {"sort_letters", Kind::Anagram,
         {"Sort the letters of {w0} in alphabetical order.", "Put the letters of {w0} in alphabetical order.",
          "Arrange the letters of the word {w0} from a to z.", "Write the letters of {w0} sorted alphabetically."}},
        {"spell", Kind::Spelled,
         {"Spell {w0} with dashes.", "Spell the word {w0} letter by letter with dashes.",
          "Write {w0} with a dash between its letters."}},
        {"uppercase", Kind::Upper,
         {"Write {w0} in capital letters.", "Convert {w0} to uppercase.", "What is {w0} in uppercase?",
          "Make the word {w0} all caps."}},
        {"add", Kind::Number,
         {"What is {n0} plus {n1}?", "Add {n0} and {n1}.", "Compute {n0} + {n1}.", "What is the sum of {n0} and {n1}?"}},
        {"subtract", Kind::Number,
         {"What is {n0} minus {n1}?", "Subtract {n1} from {n0}.", "Compute {n0} - {n1}.", "What is {n0} take away {n1}?"}},
        {"compare", Kind::Number,
         {"Which is larger, {n0} or {n1}?", "Which number is bigger: {n0} or {n1}?", "Name the larger of {n0} and {n1}.",
          "What is the greater number, {n0} or {n1}?"}},
        {"count_letter", Kind::Number,
         {"How many times does the letter {c0} appear in {w1}?", "Count the letter {c0} in the word {w1}.",
          "How many {c0}'s are in {w1}?", "In the word {w1}, how many times does {c0} occur?"}},
        {"count_items", Kind::Number,
         {"How many items are in this list: {L0}?", "Count the items in the list {L0}.", "How many words are in {L0}?",
          "Give the number of items in: {L0}."}},
        {"pick_item", Kind::Item,
         {"What is the {o0} item in the list {L1}?", "Name the {o0} word in {L1}.",
          "Which item comes {o0} in the list {L1}?", "From the list {L1}, give the {o0} item."}},
        {"repeat", Kind::Repeat,
         {"Repeat the word {w0} {n1} times.", "Write {w0} {k1} times.", "Say {w0} exactly {n1} times.",
          "Give the word {w0} {n1} times, separated by spaces."}},
        {"sort_numbers", Kind::NumberList,
         {"Sort these numbers from smallest to largest: {N0}.", "Put {N0} in increasing order.",
          "Arrange the numbers {N0} in ascending order.", "Order from low to high: {N0}."}},
        {"colour", Kind::Colour,
         {"What is the colour of {S0}?", "Name the colour of {S0}.", "Tell me the colour of {S0}.",
          "Give the colour of {S0}."}},
        {"animal_sound", Kind::Sound,
         {"What sound does a {S0} make?", "What does a {S0} say?", "Which sound does a {S0} make?",
          "Name the sound that a {S0} makes."}},
        {"capital", Kind::Capital,
         {"What is the capital of {C0}?", "Name the capital of {C0}.", "Which city is the capital of {C0}?",
          "Give the capital city of {C0}."}},
    };
    return defs;
}

static const FamilyDef* find_family(const std::string& name) {
    for (const auto& f : families())
        if (f.name == name) return &f;
    return nullptr;
}

const std::vector<std::string>& family_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& f : families()) v.push_back(f.name);
        return v;
    }();
    return names;
}

int num_phrasings(const std::string& family) {
    const FamilyDef* f = find_family(family);
    return f ? (int)f->phrasings.size() : 0;
}

std::string instance_key(const std::string& family, const std::vector<std::string>& args) {
    return family + ":" + join(args, ",");
}

// ---------------------------------------------------------------------------------------
// argument checks and gold answers

static bool is_lower_word(const std::string& s) {
    if (s.empty() || s.size() > 24) return false;
    for (char c : s) if (c < 'a' || c > 'z') return false;
    return true;
}
static bool is_canonical_number(const std::string& s) {
    if (s.empty() || s.size() > 6) return false;
    for (char c : s) if (c < '0' || c > '9') return false;
    return !(s.size() > 1 && s[0] == '0');
}
static const Fact* find_fact(const std::vector<Fact>& table, const std::string& subject) {
    for (const auto& f : table)
        if (f.subject == subject) return &f;
    return nullptr;
}
static int ordinal_index(const std::string& o, int n) {  // 0-based position, -1 if invalid
    if (o == "last") return n - 1;
    for (int i = 0; i < 5; i++)
        if (kOrdinals[i] == o) return i < n ? i : -1;
    return -1;
}

static std::optional<std::string> gold_answer(const std::string& fam, const std::vector<std::string>& a) {
    auto all_words = [&](size_t from) {
        if (a.size() <= from) return false;
        for (size_t i = from; i < a.size(); i++) if (!is_lower_word(a[i])) return false;
        return true;
    };
    auto all_numbers = [&](size_t from) {
        for (size_t i = from; i < a.size(); i++) if (!is_canonical_number(a[i])) return false;
        return true;
    };
    if (fam == "reverse" || fam == "sort_letters" || fam == "spell" || fam == "uppercase") {
        if (a.size() != 1 || !is_lower_word(a[0]) || a[0].size() < 2) return std::nullopt;
        std::string w = a[0];
        if (fam == "reverse") return std::string(w.rbegin(), w.rend());
        if (fam == "sort_letters") { std::sort(w.begin(), w.end()); return w; }
        if (fam == "uppercase") return to_upper(w);
        std::string out;
        for (size_t i = 0; i < w.size(); i++) { if (i) out += '-'; out += w[i]; }
        return out;
    }
    if (fam == "add" || fam == "subtract" || fam == "compare") {
        if (a.size() != 2 || !all_numbers(0)) return std::nullopt;
        long x = std::stol(a[0]), y = std::stol(a[1]);
        if (fam == "add") return std::to_string(x + y);
        if (fam == "subtract") { if (x < y) return std::nullopt; return std::to_string(x - y); }
        if (x == y) return std::nullopt;
        return std::to_string(std::max(x, y));
    }
    if (fam == "count_letter") {
        if (a.size() != 2 || a[0].size() != 1 || !is_lower_word(a[0]) || !is_lower_word(a[1])) return std::nullopt;
        return std::to_string(std::count(a[1].begin(), a[1].end(), a[0][0]));
    }
    if (fam == "count_items") {
        if (a.size() < 2 || a.size() > 12 || !all_words(0)) return std::nullopt;
        return std::to_string(a.size());
    }
    if (fam == "pick_item") {
        if (a.size() < 3 || a.size() > 13 || !all_words(1)) return std::nullopt;
        int idx = ordinal_index(a[0], (int)a.size() - 1);
        if (idx < 0) return std::nullopt;
        return a[1 + idx];
    }
    if (fam == "repeat") {
        if (a.size() != 2 || !is_lower_word(a[0]) || !is_canonical_number(a[1])) return std::nullopt;
        long k = std::stol(a[1]);
        if (k < 2 || k > 20) return std::nullopt;
        std::vector<std::string> copies((size_t)k, a[0]);
        return join(copies, " ");
    }
    if (fam == "sort_numbers") {
        if (a.size() < 2 || a.size() > 12 || !all_numbers(0)) return std::nullopt;
        std::vector<long> v;
        for (const auto& s : a) v.push_back(std::stol(s));
        std::sort(v.begin(), v.end());
        std::vector<std::string> out;
        for (long x : v) out.push_back(std::to_string(x));
        return join(out, ", ");
    }
    const std::vector<Fact>* table = fam == "colour" ? &colour_facts() : fam == "animal_sound" ? &sound_facts()
                                   : fam == "capital" ? &capital_facts() : nullptr;
    if (table) {
        if (a.size() != 1) return std::nullopt;
        const Fact* f = find_fact(*table, a[0]);
        if (!f) return std::nullopt;
        return f->value;
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// template matching

struct Part {
    bool slot;
    char type;        // slot type letter
    int arg;          // argument index
    std::string lit;  // literal text
};

static std::vector<Part> compile(const std::string& tmpl) {
    std::vector<Part> parts;
    std::string lit;
    for (size_t i = 0; i < tmpl.size(); i++) {
        if (tmpl[i] == '{') {
            if (!lit.empty()) parts.push_back({false, 0, 0, lit});
            lit.clear();
            parts.push_back({true, tmpl[i + 1], tmpl[i + 2] - '0', ""});
            i += 3;  // skip "{Xd}" (the loop's i++ skips the '}')
        } else {
            lit += tmpl[i];
        }
    }
    if (!lit.empty()) parts.push_back({false, 0, 0, lit});
    return parts;
}

static bool lower_at(const std::string& s, size_t i) { return i < s.size() && s[i] >= 'a' && s[i] <= 'z'; }
static bool digit_at(const std::string& s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// Possible end positions of a slot starting at pos, longest first.
static std::vector<size_t> slot_ends(char type, const std::string& s, size_t pos) {
    std::vector<size_t> ends;
    auto run = [&](size_t p, bool digits) {
        size_t q = p;
        while (digits ? digit_at(s, q) : lower_at(s, q)) q++;
        return q;
    };
    switch (type) {
        case 'w': case 'S': case 'k': case 'o': case 'n': {
            size_t e = run(pos, type == 'n');
            if (e > pos) ends.push_back(e);
            break;
        }
        case 'c':
            if (lower_at(s, pos) && !lower_at(s, pos + 1)) ends.push_back(pos + 1);
            break;
        case 'C':
            if (pos < s.size() && s[pos] >= 'A' && s[pos] <= 'Z') ends.push_back(run(pos + 1, false));
            break;
        case 'L': case 'N': {
            bool digits = type == 'N';
            size_t p = pos;
            int items = 0;
            while (true) {
                size_t e = run(p, digits);
                if (e == p) break;
                items++;
                if (items >= 2) ends.push_back(e);
                if (s.compare(e, 2, ", ") != 0) break;
                p = e + 2;
            }
            std::reverse(ends.begin(), ends.end());
            break;
        }
    }
    return ends;
}

static bool match_parts(const std::vector<Part>& parts, size_t idx, const std::string& s, size_t pos,
                        std::vector<std::string>& args) {
    if (idx == parts.size()) return pos == s.size();
    const Part& p = parts[idx];
    if (!p.slot) {
        if (s.compare(pos, p.lit.size(), p.lit) != 0) return false;
        return match_parts(parts, idx + 1, s, pos + p.lit.size(), args);
    }
    for (size_t end : slot_ends(p.type, s, pos)) {
        std::string value = s.substr(pos, end - pos);
        std::vector<std::string> saved = args;
        if (p.type == 'L' || p.type == 'N') {
            args.resize((size_t)p.arg);
            for (const auto& item : split(value, ", ")) args.push_back(item);
        } else {
            if (args.size() <= (size_t)p.arg) args.resize((size_t)p.arg + 1);
            if (p.type == 'k') {  // number word -> canonical digits
                const auto& nw = number_words();
                auto it = std::find(nw.begin(), nw.end(), value);
                if (it == nw.end()) { args = saved; continue; }
                value = std::to_string(it - nw.begin());
            }
            args[(size_t)p.arg] = value;
        }
        if (match_parts(parts, idx + 1, s, end, args)) return true;
        args = saved;
    }
    return false;
}

struct Compiled {
    const FamilyDef* fam;
    int phrasing;
    std::vector<Part> parts;
};
static const std::vector<Compiled>& compiled_templates() {
    static const std::vector<Compiled> all = [] {
        std::vector<Compiled> v;
        for (const auto& f : families())
            for (size_t i = 0; i < f.phrasings.size(); i++) v.push_back({&f, (int)i, compile(f.phrasings[i])});
        return v;
    }();
    return all;
}

std::optional<Task> parse_task(const std::string& prompt_in) {
    try {
        std::string prompt = trim(prompt_in);
        if (prompt.size() > 400) return std::nullopt;
        for (const auto& c : compiled_templates()) {
            std::vector<std::string> args;
            if (!match_parts(c.parts, 0, prompt, 0, args)) continue;
            auto gold = gold_answer(c.fam->name, args);
            if (!gold) continue;
            return Task{c.fam->name, args, prompt, *gold};
        }
    } catch (...) {
    }
    return std::nullopt;
}

Task make_task(const std::string& family, const std::vector<std::string>& args, int phrasing) {
    const FamilyDef* f = find_family(family);
    if (!f) throw std::runtime_error("make_task: unknown family '" + family + "'. HINT: see family_names()");
    if (phrasing < 0 || phrasing >= (int)f->phrasings.size())
        throw std::runtime_error("make_task: family " + family + " has no phrasing " + std::to_string(phrasing));
    std::string out;
    for (const Part& p : compile(f->phrasings[(size_t)phrasing])) {
        if (!p.slot) { out += p.lit; continue; }
        if ((size_t)p.arg >= args.size())
            throw std::runtime_error("make_task: too few args for " + instance_key(family, args));
        if (p.type == 'L' || p.type == 'N') {
            out += join(std::vector<std::string>(args.begin() + p.arg, args.end()), ", ");
        } else if (p.type == 'k') {
            long k = std::stol(args[(size_t)p.arg]);
            if (k < 0 || k > 20) throw std::runtime_error("make_task: no number word for " + args[(size_t)p.arg]);
            out += number_words()[(size_t)k];
        } else {
            out += args[(size_t)p.arg];
        }
    }
    auto t = parse_task(out);
    if (!t || t->family != family || t->args != args)
        throw std::runtime_error("make_task: args rejected or ambiguous: " + instance_key(family, args) +
                                 " -> '" + out + "'. HINT: check the family's argument rules in oracle.cpp");
    return *t;
}

// ---------------------------------------------------------------------------------------
// the oracle

struct Candidate {
    size_t begin, end;         // byte span in the response
    std::string text;          // response.substr(begin, end - begin)
    long number = 0;           // Number
    std::vector<long> numbers; // NumberList
    std::string word;          // Repeat: the repeated word; Spelled: the letters
    int count = 0;             // Repeat: how many copies
};

static Candidate make_candidate(size_t begin, size_t end, const std::string& text) {
    Candidate c;
    c.begin = begin;
    c.end = end;
    c.text = text;
    return c;
}

struct Token {
    size_t begin, end;
    std::string text;
    bool alpha;  // [A-Za-z]+ (else [0-9]+)
};

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static std::vector<Token> tokenize(const std::string& s) {
    std::vector<Token> out;
    size_t i = 0;
    while (i < s.size()) {
        bool a = is_alpha(s[i]), d = is_digit(s[i]);
        if (!a && !d) { i++; continue; }
        size_t j = i;
        while (j < s.size() && (a ? is_alpha(s[j]) : is_digit(s[j]))) j++;
        out.push_back({i, j, s.substr(i, j - i), a});
        i = j;
    }
    return out;
}

static bool only_separators(const std::string& s, size_t b, size_t e) {  // non-empty, [ ,]+
    if (e <= b) return false;
    for (size_t i = b; i < e; i++) if (s[i] != ' ' && s[i] != ',') return false;
    return true;
}

static bool only_spelling_separators(const std::string& s, size_t b, size_t e) {  // non-empty, [-, ]+
    if (e <= b) return false;
    for (size_t i = b; i < e; i++) if (s[i] != ' ' && s[i] != ',' && s[i] != '-') return false;
    return true;
}

static long parse_long_capped(const std::string& digits) {
    if (digits.size() > 9) return 1000000000L;  // "huge": never close to a small gold
    return std::stol(digits);
}

static bool is_all(const std::string& s, bool upper) {
    for (char c : s) if (upper ? !(c >= 'A' && c <= 'Z') : !(c >= 'a' && c <= 'z')) return false;
    return !s.empty();
}

static int letter_multiset_diff(const std::string& a, const std::string& b) {
    int ca[26] = {0}, cb[26] = {0};
    for (char c : a) ca[c - 'a']++;
    for (char c : b) cb[c - 'a']++;
    int d = 0;
    for (int i = 0; i < 26; i++) d += std::abs(ca[i] - cb[i]);
    return d;
}

static std::vector<Candidate> find_candidates(const Task& t, Kind kind, const std::string& r) {
    std::vector<Candidate> out;
    std::vector<Token> toks = tokenize(r);
    auto add_tok = [&](const Token& tk) { out.push_back(make_candidate(tk.begin, tk.end, tk.text)); };
    switch (kind) {
        case Kind::Number:
            for (const auto& tk : toks)
                if (!tk.alpha) { add_tok(tk); out.back().number = parse_long_capped(tk.text); }
            break;
        case Kind::Anagram: {
            const std::string& w = t.args[0];
            for (const auto& tk : toks) {
                if (!tk.alpha || !is_all(tk.text, false)) continue;
                if (std::abs((int)tk.text.size() - (int)w.size()) > 1) continue;
                if (letter_multiset_diff(tk.text, w) > 2) continue;
                if (tk.text == w && w != t.answer) continue;  // a copy of the input is no attempt
                add_tok(tk);
            }
            break;
        }
        case Kind::Spelled: {
            // runs of 2+ single lowercase letters joined only by '-', ',' or ' ' ("c-a-t", "c a t")
            size_t i = 0;
            auto single = [&](size_t k) { return toks[k].alpha && toks[k].text.size() == 1 && is_all(toks[k].text, false); };
            while (i < toks.size()) {
                if (!single(i)) { i++; continue; }
                size_t j = i + 1;
                while (j < toks.size() && single(j) && only_spelling_separators(r, toks[j - 1].end, toks[j].begin)) j++;
                if (j - i >= 2) {
                    Candidate c = make_candidate(toks[i].begin, toks[j - 1].end, r.substr(toks[i].begin, toks[j - 1].end - toks[i].begin));
                    for (size_t k = i; k < j; k++) c.word += toks[k].text;
                    out.push_back(c);
                }
                i = j;
            }
            break;
        }
        case Kind::Upper:
            for (const auto& tk : toks)
                if (tk.alpha && tk.text.size() >= 2 && is_all(tk.text, true)) add_tok(tk);
            break;
        case Kind::Item: {
            std::set<std::string> items(t.args.begin() + 1, t.args.end());
            for (const auto& tk : toks)
                if (tk.alpha && items.count(tk.text)) add_tok(tk);
            break;
        }
        case Kind::Colour: case Kind::Sound: case Kind::Capital: {
            const auto& table = kind == Kind::Colour ? colour_facts() : kind == Kind::Sound ? sound_facts() : capital_facts();
            std::set<std::string> values;
            for (const auto& f : table) values.insert(to_lower(f.value));
            for (const auto& tk : toks) {
                if (!tk.alpha) continue;
                if (values.count(to_lower(tk.text))) add_tok(tk);  // any case: "Green" is a colour in the wrong form
            }
            break;
        }
        case Kind::Repeat: case Kind::NumberList: {
            // maximal runs of tokens joined only by spaces/commas
            bool want_alpha = kind == Kind::Repeat;
            size_t i = 0;
            while (i < toks.size()) {
                if (toks[i].alpha != want_alpha || (want_alpha && !is_all(toks[i].text, false))) { i++; continue; }
                size_t j = i + 1;
                while (j < toks.size() && toks[j].alpha == want_alpha && only_separators(r, toks[j - 1].end, toks[j].begin) &&
                       (!want_alpha || toks[j].text == toks[i].text))
                    j++;
                Candidate c = make_candidate(toks[i].begin, toks[j - 1].end, r.substr(toks[i].begin, toks[j - 1].end - toks[i].begin));
                size_t n = j - i;
                if (want_alpha) {
                    c.word = toks[i].text;
                    c.count = (int)n;
                    if (n >= 2 || c.word == t.args[0]) out.push_back(c);
                } else {
                    for (size_t k = i; k < j; k++) c.numbers.push_back(parse_long_capped(toks[k].text));
                    if (n >= 2) out.push_back(c);
                }
                i = j;
            }
            break;
        }
    }
    return out;
}

static bool is_close(const Task& t, Kind kind, const Candidate& c) {
    switch (kind) {
        case Kind::Number: return std::labs(c.number - std::stol(t.answer)) <= 1;
        case Kind::Anagram: case Kind::Upper: return edit_distance(c.text, t.answer, 1) <= 1;
        case Kind::Colour: case Kind::Sound: case Kind::Capital:
            return edit_distance(to_lower(c.text), to_lower(t.answer), 1) <= 1;
        case Kind::Spelled: return edit_distance(c.word, t.args[0], 1) <= 1;  // c.word: the letters
        case Kind::Item: {
            int n = (int)t.args.size() - 1, target = ordinal_index(t.args[0], n);
            for (int i = 0; i < n; i++)
                if (t.args[1 + (size_t)i] == c.text && std::abs(i - target) <= 1) return true;
            return false;
        }
        case Kind::Repeat: return c.word == t.args[0] && std::labs(c.count - std::stol(t.args[1])) <= 1;
        case Kind::NumberList: {
            std::vector<long> gold;
            for (const auto& s : split(t.answer, ", ")) gold.push_back(std::stol(s));
            return edit_distance(c.numbers, gold, 1) <= 1;
        }
    }
    return false;
}

static bool mentions_task(const Task& t, Kind kind, const std::string& r) {
    std::set<std::string> args;
    for (const auto& a : t.args) args.insert(to_lower(a));
    const auto& nw = number_words();
    for (const auto& tk : tokenize(r)) {
        std::string low = to_lower(tk.text);
        if (args.count(low) && (low.size() >= 2 || !tk.alpha)) return true;
        if (kind == Kind::Number && tk.alpha && std::find(nw.begin(), nw.end(), low) != nw.end()) return true;
    }
    return false;
}

static const std::vector<std::string> kLeadIns = {"The answer is ", "Answer: ", "It is "};

OracleResult oracle_task(const Task& t, const std::string& response, bool finished) {
    OracleResult res;
    res.parsed = true;
    const FamilyDef* f = find_family(t.family);
    Kind kind = f->kind;
    std::vector<Candidate> cands = find_candidates(t, kind, response);
    std::string why[5];

    // 1 relevant
    bool mention = mentions_task(t, kind, response);
    res.relevant = !cands.empty() || mention;
    why[0] = !cands.empty() ? "offers an answer" : mention ? "mentions the task" : "ignores the task";
    // 2 substantial
    res.substantial = res.relevant && !cands.empty();
    why[1] = res.substantial ? "gives " + std::to_string(cands.size()) + " candidate answer(s)"
                             : !res.relevant ? "needs relevant" : "no answer of the right kind";
    // 3 useful: judged on the last candidate (where a response states its conclusion)
    const Candidate* last = cands.empty() ? nullptr : &cands.back();
    bool close = last && is_close(t, kind, *last);
    res.useful = res.substantial && close;
    why[2] = !res.substantial ? "needs substantial"
           : close ? (last->text == t.answer ? "answer " + last->text + " is right" : "answer " + last->text + " is close to " + t.answer)
                   : "answer " + last->text + " is wrong, gold " + t.answer;
    // 4 clear: one direct answer, finished, printable, nothing else
    std::string body = trim(response);
    bool printable = is_printable_ascii(body);
    std::string core = body;
    for (const auto& lead : kLeadIns)
        if (core.compare(0, lead.size(), lead) == 0) { core = core.substr(lead.size()); break; }
    if (!core.empty() && core.back() == '.') core.pop_back();
    bool direct = last && core == last->text;
    res.clear = res.useful && finished && printable && direct;
    why[3] = !res.useful ? "needs useful" : !finished ? "cut off before the end" : !printable ? "non-printable or multi-line"
           : !direct ? "not one direct answer" : "one direct answer";
    // 5 expert
    bool exact = body == t.answer;
    res.expert = res.clear && exact;
    why[4] = !res.clear ? "needs clear" : exact ? "exactly the answer" : "not exactly " + t.answer;

    res.score = (int)res.relevant + res.substantial + res.useful + res.clear + res.expert;
    static const char* names[5] = {"relevant", "substantial", "useful", "clear", "expert"};
    bool met[5] = {res.relevant, res.substantial, res.useful, res.clear, res.expert};
    for (int i = 0; i < 5; i++) {
        if (i) res.reason += "\n";
        res.reason += std::string(names[i]) + ": " + (met[i] ? "yes" : "no") + " - " + why[i];
    }
    return res;
}

OracleResult oracle(const std::string& prompt, const std::string& response, bool finished) {
    auto t = parse_task(prompt);
    if (!t) {
        OracleResult res;
        res.reason = "prompt is not a task of this world (score 0; skip it)";
        return res;
    }
    return oracle_task(*t, response, finished);
}

}  // namespace data
}  // namespace sr
