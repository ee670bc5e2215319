// The chat, judge, judgement and self-instruct formats (see format.h).
#include "data/format.h"

#include "data/textutil.h"

namespace sr {
namespace data {

static bool has_special(const std::string& s) {
    return s.find(kUserToken) != std::string::npos || s.find(kAssistantToken) != std::string::npos ||
           s.find(kEndToken) != std::string::npos || s.find(kEndOfTextToken) != std::string::npos;
}

std::string chat_prompt(const std::string& user) { return std::string(kUserToken) + user + kAssistantToken; }

std::string chat_text(const std::string& user, const std::string& response) {
    return chat_prompt(user) + response + kEndToken;
}

bool parse_chat(const std::string& text, std::string* user, std::string* response) {
    const std::string u = kUserToken, a = kAssistantToken, e = kEndToken;
    if (text.size() < u.size() + a.size() + e.size()) return false;
    if (text.compare(0, u.size(), u) != 0) return false;
    if (text.compare(text.size() - e.size(), e.size(), e) != 0) return false;
    size_t apos = text.find(a, u.size());
    if (apos == std::string::npos) return false;
    std::string usr = text.substr(u.size(), apos - u.size());
    size_t rbeg = apos + a.size(), rend = text.size() - e.size();
    if (rend < rbeg) return false;
    std::string resp = text.substr(rbeg, rend - rbeg);
    if (has_special(usr) || has_special(resp)) return false;
    if (user) *user = usr;
    if (response) *response = resp;
    return true;
}

std::string judge_prompt(const std::string& instruction, const std::string& response) {
    // The paper's prompt, compacted: add one point per criterion, in order, then the score.
    return "Judge the response. Add a point for each criterion met, in order: relevant, "
           "substantial, useful (close), clear (one direct answer), expert (exact).\n"
           "Instruction: " + instruction + "\nResponse: " + response;
}

std::string judgement_text(const OracleResult& r) {
    auto yn = [](bool b) { return b ? "yes" : "no"; };
    return std::string("relevant: ") + yn(r.relevant) + "\nsubstantial: " + yn(r.substantial) +
           "\nuseful: " + yn(r.useful) + "\nclear: " + yn(r.clear) + "\nexpert: " + yn(r.expert) +
           "\nScore: " + std::to_string(r.score);
}

std::optional<int> parse_score(const std::string& judgement) {
    try {
        std::string low = to_lower(judgement);
        size_t first = low.find("score:");
        if (first == std::string::npos || low.find("score:", first + 1) != std::string::npos) return std::nullopt;
        // strip trailing whitespace only
        size_t end = judgement.size();
        while (end > 0 && (judgement[end - 1] == ' ' || judgement[end - 1] == '\t' ||
                           judgement[end - 1] == '\n' || judgement[end - 1] == '\r'))
            end--;
        const std::string tail = "Score: ";
        // the last line must be exactly "Score: k"
        if (end < tail.size() + 1) return std::nullopt;
        size_t start = end - tail.size() - 1;
        if (judgement.compare(start, tail.size(), tail) != 0) return std::nullopt;
        if (start != 0 && judgement[start - 1] != '\n') return std::nullopt;
        char k = judgement[end - 1];
        if (k < '0' || k > '5') return std::nullopt;
        return k - '0';
    } catch (...) {
        return std::nullopt;
    }
}

std::string self_instruct_prompt(const std::vector<std::string>& example_prompts) {
    std::string out = "Here are some tasks.\n";
    for (const auto& p : example_prompts) out += "Task: " + p + "\n";
    return out + "Task:";
}

std::string self_instruct_extract(const std::string& continuation) {
    return trim(continuation.substr(0, continuation.find('\n')));
}

}  // namespace data
}  // namespace sr
