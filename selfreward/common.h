// selfreward/common.h: what every stage of the loop shares: a model with its tokenizer,
// turning chat turns into masked training examples, answering prompts and judging responses
// in batches.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "model/generate.h"
#include "model/gpt.h"
#include "model/tokenizer.h"
#include "model/train.h"

namespace sr {

struct LM {
    GPT model;
    Tokenizer tok;
    int end_id() const;           // <|end|>: every response ends with it
    int endoftext_id() const;     // <|endoftext|>
};

LM load_lm(const std::string& dir);

// "<|user|>" user "<|assistant|>" as token ids (what generation is conditioned on).
std::vector<int> encode_chat_prompt(const Tokenizer& tok, const std::string& user);
// The response's token ids, ending with <|end|> (the end token counts as part of the response).
// The response is tokenized with one leading space, as a word stands after "Answer:" in the
// corpus or inside a prompt ("... the word sheep"): the BPE joins a space to the word after
// it, so " sheep" is one token everywhere and a small model only has to copy it. respond()
// strips that space again.
std::vector<int> encode_response(const Tokenizer& tok, const std::string& response);
// prompt + response with the loss mask on the response tokens (end token included) only.
// The mask of token i says whether predicting token i counts (see model/train.h make_batch).
Example chat_example(const Tokenizer& tok, const std::string& user, const std::string& response);

// Model output is raw bytes: a small model can emit half a UTF-8 character. Replaces every
// byte that is not part of a valid UTF-8 sequence with '?', so the text can go into JSON.
std::string valid_utf8(const std::string& bytes);

struct Response {
    std::string text;   // decoded, without the end token
    bool finished;      // ended with <|end|> (false: cut at max tokens or the context end)
    int tokens;         // generated tokens, end token included
};

// Answers every user prompt with the model, `batch` prompts at a time. Deterministic for a
// given rng state (it takes one number from rng; batch k samples from a stream of its own, so
// under mpirun the batches are shared out among the ranks and the answers are the same as in
// one process). Every rank must call it. Prompts whose chat form does not fit the context
// leave room for max_new_tokens by keeping their last tokens.
std::vector<Response> respond(const LM& lm, const std::vector<std::string>& user_prompts, const SampleOptions& opt, Rng& rng,
                              int batch = 32);

// The paper's LLM-as-a-judge: the model reads judge_prompt(instruction, response) as a user
// turn and writes a judgement; parse_score reads "Score: k". Returns one score per
// (instruction, response) and sample: scores[i][s] = nullopt when judgement s did not parse.
// judgements (optional) receives the texts, for the round's JSONL.
std::vector<std::vector<std::optional<int>>> judge(const LM& lm, const std::vector<std::string>& instructions,
                                                   const std::vector<std::string>& responses, int samples,
                                                   const SampleOptions& opt, Rng& rng,
                                                   std::vector<std::vector<std::string>>* judgements = nullptr, int batch = 32);

// The judge read from its probabilities instead of its samples: for each (instruction,
// response), the log-probability the model gives each of the six well-formed judgements
// (score k: the first k criteria "yes", the rest "no", then "Score: k"), normalised over the
// six. Returns the expected score sum_k k * p_k per item (no sampling noise, and a graded
// value where three samples mostly tie); dist (optional) receives the six probabilities.
// Judge turns too long for the context lose the start of their prompt.
std::vector<double> judge_expected(const LM& lm, const std::vector<std::string>& instructions, const std::vector<std::string>& responses,
                                   std::vector<std::vector<double>>* dist = nullptr, int batch_items = 8);

}  // namespace sr
