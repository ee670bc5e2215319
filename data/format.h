// The text formats shared by every stage: chat turns, the judge prompt, judgements and the
// self-instruct prompt. One place defines each, so training, sampling and evaluation agree.
//
//   chat text   <|user|>{user}<|assistant|>{response}<|end|>
//   judge turn  chat_prompt(judge_prompt(instruction, response)) + judgement_text(r) + <|end|>
//   judgement   relevant: yes\nsubstantial: yes\nuseful: no\nclear: no\nexpert: no\nScore: 2
//   self-instr. "Here are some tasks.\nTask: ...\nTask: ...\nTask:" -> the model continues
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "data/oracle.h"

namespace sr {
namespace data {

// Special tokens: the tokenizer treats each string as one atomic token.
inline constexpr char kUserToken[] = "<|user|>";            // starts a user turn
inline constexpr char kAssistantToken[] = "<|assistant|>";  // starts the assistant's turn
inline constexpr char kEndToken[] = "<|end|>";              // ends a turn (every response ends with it)
inline constexpr char kEndOfTextToken[] = "<|endoftext|>";  // separates documents in corpus.txt

// "<|user|>" + user + "<|assistant|>": what the model is conditioned on.
std::string chat_prompt(const std::string& user);
// chat_prompt(user) + response + "<|end|>": one training example.
std::string chat_text(const std::string& user, const std::string& response);
// Inverse of chat_text. False (outputs untouched) unless text is exactly
// "<|user|>" U "<|assistant|>" R "<|end|>" with no special token inside U or R.
bool parse_chat(const std::string& text, std::string* user, std::string* response);

// The USER content of a judging turn: a compact form of the paper's additive five-criteria
// prompt with the instruction and the response inside. Fixed wording (it compresses well).
std::string judge_prompt(const std::string& instruction, const std::string& response);

// One verdict line per criterion ("relevant: yes"), then "Score: k" as the last line.
std::string judgement_text(const OracleResult& r);

// Strict score parser: the judgement (trailing whitespace allowed) must end with a line that
// is exactly "Score: k", k a single digit 0..5, and "score:" (any case) must occur exactly
// once. Anything else -> nullopt ("no score", never 0). Never throws.
std::optional<int> parse_score(const std::string& judgement);

// Plain text (no chat markers): "Here are some tasks.\n" then one "Task: <prompt>\n" per
// example, ending with the open slot "Task:". The model's continuation up to the first '\n',
// trimmed of surrounding spaces, is the new prompt (see self_instruct_extract).
std::string self_instruct_prompt(const std::vector<std::string>& example_prompts);
// The new prompt in a continuation: text before the first '\n', trimmed. "" if none.
std::string self_instruct_extract(const std::string& continuation);

}  // namespace data
}  // namespace sr
