// The task families of the world and the oracle that scores any (prompt, response) pair.
//
// A task is one instance of one family ("reverse" with args {"cat"}), written in one of the
// family's phrasings ("Reverse the word cat."), with a computable gold answer ("tac").
// parse_task() recognises every phrasing of every family exactly and recomputes the gold
// answer; oracle() scores a response 0..5 with the five cumulative criteria documented
// below and in data/README.md. The oracle only builds seed data and measures; it is never a
// training signal inside the self-rewarding loop.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sr {
namespace data {

struct Task {
    std::string family;             // "reverse", "add", ... (see family_names())
    std::vector<std::string> args;  // canonical arguments: {"cat"}, {"3","4"}, {"second","cat","dog","sun"}
    std::string prompt;             // the exact prompt text
    std::string answer;             // the gold answer, bare ("tac", "7", "2, 5, 9")
};

// All family names in a fixed order (the order of generation and of --stats).
const std::vector<std::string>& family_names();

// Number of phrasings of a family (phrasing indices are 0..n-1).
int num_phrasings(const std::string& family);

// Renders args in a phrasing. Throws std::runtime_error for an unknown family, a bad
// phrasing index or args the family rejects (the result always round-trips via parse_task).
Task make_task(const std::string& family, const std::vector<std::string>& args, int phrasing);

// Recognises a prompt (surrounding whitespace ignored); nullopt for anything that is not
// exactly one of the phrasings with valid args. Never throws.
std::optional<Task> parse_task(const std::string& prompt);

// "family:arg1,arg2,..." identifies a task instance independent of its phrasing.
std::string instance_key(const std::string& family, const std::vector<std::string>& args);
inline std::string instance_key(const Task& t) { return instance_key(t.family, t.args); }

// The five criteria are CUMULATIVE: a criterion is met only when its own rule holds AND the
// previous criterion is met, so score = number of criteria met = the highest level reached.
//   1 relevant    the response engages the task: it contains an answer candidate of the
//                 family's kind, or mentions one of the task's arguments (the word, a list
//                 item, a number, the subject; tokens of 2+ chars, case-insensitive), or
//                 gives a number in words for a numeric family.
//   2 substantial it contains at least one answer candidate of the family's kind
//                 (digits for numbers; a near-anagram of the word for reverse/sort; an item
//                 of the list; a colour/sound/capital of the knowledge base in any case;
//                 single letters joined by '-', ',' or ' ' for spell; ...), excluding
//                 a mere copy of the input word where the task transforms it.
//   3 useful      the response's answer (its LAST candidate) is close to the gold: a number
//                 off by at most 1; a string at most one edit away (insert, delete, replace
//                 or swap two neighbours); a list item at most one position away; a list at
//                 most one edit away; the right word repeated k-1..k+1 times.
//   4 clear       the response is in assistant form: finished (ended with the end-of-turn
//                 marker), printable ASCII on one line, and after trimming it is exactly one
//                 candidate, optionally led by "The answer is " / "Answer: " / "It is " and
//                 optionally followed by one ".": one direct answer, no repetition, no noise.
//   5 expert      the trimmed response equals the gold answer exactly (nothing extraneous).
// Intended reading: 0 = ignores the task, 1 = talks about it without an answer, 2 = a wrong
// answer, 3 = a near or right answer drowned in noise/repetition or cut off, 4 = a near
// answer or the right one in a slightly wrong form, 5 = exactly the bare gold answer.
struct OracleResult {
    bool parsed = false;  // false: the prompt is not a task of this world (score 0; skip it)
    bool relevant = false, substantial = false, useful = false, clear = false, expert = false;
    int score = 0;        // number of criteria met, 0..5
    std::string reason;   // five lines "<criterion>: yes|no - why" (one line if !parsed)
};

// finished=false: generation hit the length limit without "<|end|>" (never "clear").
OracleResult oracle(const std::string& prompt, const std::string& response, bool finished = true);
OracleResult oracle_task(const Task& task, const std::string& response, bool finished = true);

}  // namespace data
}  // namespace sr
