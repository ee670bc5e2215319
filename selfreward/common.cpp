// selfreward/common.cpp
#include "selfreward/common.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "autograd/var.h"
#include "data/format.h"
#include "data/oracle.h"
#include "model/checkpoint.h"
#include "selfreward/dpo.h"
#include "tensor/distributed.h"

namespace sr {

int LM::end_id() const { return tok.special_id(data::kEndToken); }
int LM::endoftext_id() const { return tok.special_id(data::kEndOfTextToken); }

LM load_lm(const std::string& dir) {
    LM lm;
    lm.model = load_model(dir, &lm.tok);
    return lm;
}

std::vector<int> encode_chat_prompt(const Tokenizer& tok, const std::string& user) { return tok.encode(data::chat_prompt(user)); }

std::vector<int> encode_response(const Tokenizer& tok, const std::string& response) {
    std::vector<int> ids = tok.encode(" " + response, /*allow_special=*/false);  // a response cannot smuggle in special tokens
    ids.push_back(tok.special_id(data::kEndToken));
    return ids;
}

Example chat_example(const Tokenizer& tok, const std::string& user, const std::string& response) {
    Example e;
    e.tokens = encode_chat_prompt(tok, user);
    e.mask.assign(e.tokens.size(), 0.0f);  // the prompt: never trained on
    const std::vector<int> r = encode_response(tok, response);
    e.tokens.insert(e.tokens.end(), r.begin(), r.end());
    e.mask.resize(e.tokens.size(), 1.0f);  // the response and its end token
    return e;
}

std::string valid_utf8(const std::string& s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        bool ok = len > 0 && i + len <= s.size();
        for (size_t k = 1; ok && k < len; k++) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (ok && len == 2) ok = c >= 0xC2;  // no overlong two-byte forms
        if (ok && len == 3) {
            const unsigned char d = static_cast<unsigned char>(s[i + 1]);
            ok = !(c == 0xE0 && d < 0xA0) && !(c == 0xED && d >= 0xA0);  // overlong, surrogates
        }
        if (ok && len == 4) {
            const unsigned char d = static_cast<unsigned char>(s[i + 1]);
            ok = c <= 0xF4 && !(c == 0xF0 && d < 0x90) && !(c == 0xF4 && d >= 0x90);
        }
        if (ok) {
            out.append(s, i, len);
            i += len;
        } else {
            out += '?';
            i++;
        }
    }
    return out;
}

// Keeps the last tokens of a prompt so that it plus max_new fits the context.
static std::vector<int> fit_context(std::vector<int> ids, int context, int max_new) {
    const int room = std::max(1, context - max_new);
    if (static_cast<int>(ids.size()) > room) ids.erase(ids.begin(), ids.end() - room);
    return ids;
}

// Batch k of a job, for k = 0..K-1, each rank its share of the batches (in order); every
// rank gets every batch's result (run_batch's bytes), in batch order. One process: all of them.
static std::vector<std::string> batches_across_ranks(size_t K, const std::function<std::string(size_t)>& run_batch) {
    std::string mine;  // this rank's results: each batch's length, then its bytes
    for (size_t k = dist::share_begin(K); k < dist::share_end(K); k++) {
        const std::string r = run_batch(k);
        mine += std::to_string(r.size()) + ":" + r;
    }
    std::vector<std::string> out;
    for (const std::string& part : dist::allgather(mine))
        for (size_t at = 0; at < part.size();) {
            const size_t colon = part.find(':', at), len = std::stoul(part.substr(at, colon - at));
            out.push_back(part.substr(colon + 1, len));
            at = colon + 1 + len;
        }
    return out;
}

std::vector<Response> respond(const LM& lm, const std::vector<std::string>& user_prompts, const SampleOptions& opt_in, Rng& rng,
                              int batch) {
    SampleOptions opt = opt_in;
    opt.stop_ids = {lm.end_id(), lm.endoftext_id()};
    const int ctx = lm.model.config().n_positions;
    const size_t B = static_cast<size_t>(std::max(1, batch)), K = (user_prompts.size() + B - 1) / B;
    // Batch k samples from its own stream, seeded from one draw of rng and k: its answers do not
    // depend on which rank runs it, so several processes share the batches and a run's files
    // are the same whatever the number of ranks.
    const uint64_t base = rng.next_u64();
    const auto run_batch = [&](size_t k) {
        std::vector<std::vector<int>> prompts;
        for (size_t i = k * B; i < std::min(user_prompts.size(), (k + 1) * B); i++)
            prompts.push_back(fit_context(encode_chat_prompt(lm.tok, user_prompts[i]), ctx, opt.max_new_tokens));
        uint64_t seed = base + k;
        Rng batch_rng(splitmix64(seed));
        nlohmann::json rows = nlohmann::json::array();
        for (const Generation& g : generate(lm.model, prompts, opt, batch_rng)) {
            std::vector<int> body = g.tokens;
            if (g.finished) body.pop_back();  // drop the stop token
            std::string text = valid_utf8(lm.tok.decode(body));
            if (!text.empty() && text[0] == ' ') text.erase(0, 1);  // the leading space of encode_response
            rows.push_back({text, g.finished, g.tokens.size()});
        }
        return rows.dump();
    };
    std::vector<Response> out;
    for (const std::string& rows : batches_across_ranks(K, run_batch))
        for (const nlohmann::json& r : nlohmann::json::parse(rows))
            out.push_back({r[0].get<std::string>(), r[1].get<bool>(), r[2].get<int>()});
    return out;
}

std::vector<std::vector<std::optional<int>>> judge(const LM& lm, const std::vector<std::string>& instructions,
                                                   const std::vector<std::string>& responses, int samples,
                                                   const SampleOptions& opt, Rng& rng,
                                                   std::vector<std::vector<std::string>>* judgements, int batch) {
    if (instructions.size() != responses.size()) throw std::runtime_error("judge: one instruction per response needed");
    // Every (item, sample) becomes one judging turn; items are repeated `samples` times in a row.
    std::vector<std::string> turns;
    for (size_t i = 0; i < instructions.size(); i++)
        for (int s = 0; s < samples; s++) turns.push_back(data::judge_prompt(instructions[i], responses[i]));
    const std::vector<Response> texts = respond(lm, turns, opt, rng, batch);
    std::vector<std::vector<std::optional<int>>> scores(instructions.size());
    if (judgements) judgements->assign(instructions.size(), {});
    for (size_t i = 0; i < instructions.size(); i++)
        for (int s = 0; s < samples; s++) {
            const Response& r = texts[i * samples + s];
            scores[i].push_back(r.finished ? data::parse_score(r.text) : std::nullopt);  // a cut-off judgement does not count
            if (judgements) (*judgements)[i].push_back(r.text);
        }
    return scores;
}

std::vector<double> judge_expected(const LM& lm, const std::vector<std::string>& instructions, const std::vector<std::string>& responses,
                                   std::vector<std::vector<double>>* dist, int batch_items) {
    if (instructions.size() != responses.size()) throw std::runtime_error("judge_expected: one instruction per response needed");
    // The six judgements a judge may write, as response token ids (ending with <|end|>).
    std::vector<std::vector<int>> verdicts;
    for (int k = 0; k <= 5; k++) {
        data::OracleResult r;
        r.parsed = true, r.score = k;
        r.relevant = k >= 1, r.substantial = k >= 2, r.useful = k >= 3, r.clear = k >= 4, r.expert = k >= 5;
        verdicts.push_back(encode_response(lm.tok, data::judgement_text(r)));
    }
    const int ctx = lm.model.config().n_positions;
    std::vector<double> expected(instructions.size());
    if (dist) dist->assign(instructions.size(), std::vector<double>(6));
    NoGrad no_grad;
    const size_t B = static_cast<size_t>(std::max(1, batch_items)), K = (instructions.size() + B - 1) / B;
    const auto run_batch = [&](size_t k) {  // batch k's six probabilities per item, as JSON
        const size_t start = k * B, end = std::min(instructions.size(), start + B);
        std::vector<Example> rows;  // six rows per item
        for (size_t i = start; i < end; i++) {
            const std::vector<int> prompt = encode_chat_prompt(lm.tok, data::judge_prompt(instructions[i], responses[i]));
            for (const std::vector<int>& v : verdicts) {
                // keep the judgement whole and as much of the prompt's end as fits (context + 1 tokens)
                const size_t room = static_cast<size_t>(ctx) + 1 - std::min(v.size(), static_cast<size_t>(ctx));
                const size_t keep = std::min(prompt.size(), room);
                Example e;
                e.tokens.assign(prompt.end() - static_cast<long>(keep), prompt.end());
                e.mask.assign(keep, 0.0f);
                e.tokens.insert(e.tokens.end(), v.begin(), v.end());
                e.mask.resize(e.tokens.size(), 1.0f);
                rows.push_back(std::move(e));
            }
        }
        const Tensor lp = sequence_logprobs(lm.model, rows, lm.endoftext_id())->data;  // (6 * items)
        nlohmann::json probs = nlohmann::json::array();
        for (size_t i = start; i < end; i++) {
            double top = -INFINITY, z = 0;
            const int64_t base = static_cast<int64_t>(i - start) * 6;
            for (int k = 0; k < 6; k++) top = std::max(top, lp.at(base + k));
            std::vector<double> p(6);
            for (int k = 0; k < 6; k++) z += (p[k] = std::exp(lp.at(base + k) - top));  // softmax over the six
            for (int k = 0; k < 6; k++) p[k] /= z;
            probs.push_back(p);
        }
        return probs.dump();  // doubles print so that they read back bit for bit
    };
    size_t i = 0;
    for (const std::string& batch : batches_across_ranks(K, run_batch))  // several ranks: the batches shared out
        for (const nlohmann::json& pj : nlohmann::json::parse(batch)) {
            const std::vector<double> p = pj.get<std::vector<double>>();
            double e = 0;
            for (int k = 0; k < 6; k++) e += k * p[k];
            expected[i] = e;
            if (dist) (*dist)[i] = p;
            i++;
        }
    return expected;
}

}  // namespace sr
